import { requireEnv } from '../../config/env';

// What MLLESS's functions read from their environment beyond the bucket and the worker function.
// On AWS the shared plugin sets these from the resources it generates (plugins/mltrain/src/mlless);
// locally the runtime creates stand-ins for the same resources and resolves the same values.

export const MLLESS_ENV = {
  supervisorFunction: 'MLLESS_SUPERVISOR_FUNCTION',
  supervisorQueueUrl: 'MLLESS_SUPERVISOR_QUEUE_URL',
  /** Comma-separated, worker 0 first. */
  workerQueueUrls: 'MLLESS_WORKER_QUEUE_URLS',
  redisUrl: 'MLLESS_REDIS_URL',
} as const;

export interface MllessEnvironment {
  supervisorFunctionName: string;
  supervisorQueueUrl: string;
  workerQueueUrls: string[];
  redisUrl: string;
}

export function readMllessEnvironment(env: NodeJS.ProcessEnv = process.env): MllessEnvironment {
  return {
    supervisorFunctionName: requireEnv(MLLESS_ENV.supervisorFunction, env),
    supervisorQueueUrl: requireEnv(MLLESS_ENV.supervisorQueueUrl, env),
    workerQueueUrls: requireEnv(MLLESS_ENV.workerQueueUrls, env).split(',').map((u) => u.trim()).filter(Boolean),
    redisUrl: requireEnv(MLLESS_ENV.redisUrl, env),
  };
}
