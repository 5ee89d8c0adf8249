import { readFunctionEnvironment, type FunctionEnvironment } from '../config/env';
import { TrafficCounter } from '../metrics/traffic';
import { getS3Client } from '../stores/s3-client';
import { S3Store } from '../stores/s3';
import { createLogger, type Logger } from '../util/log';
import { LambdaInvoker, type FunctionInvoker } from './invoker';

/** What every handler builds from its environment before calling into lib/frameworks. */
export interface FunctionDeps {
  env: FunctionEnvironment;
  store: S3Store;
  traffic: TrafficCounter;
  invoker: FunctionInvoker;
  log: Logger;
}

export function createFunctionDeps(functionKey: string): FunctionDeps {
  const env = readFunctionEnvironment();
  const traffic = new TrafficCounter();
  return {
    env,
    traffic,
    store: new S3Store(getS3Client(), env.bucketName, traffic),
    invoker: new LambdaInvoker(traffic),
    log: createLogger({ service: env.service, function: functionKey }),
  };
}
