import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { requireEnv } from '../../config/env';
import { LambdaInvoker, type FunctionInvoker } from '../../functions/invoker';
import { TrafficCounter } from '../../metrics/traffic';
import { getS3Client } from '../../stores/s3-client';
import { S3Store } from '../../stores/s3';
import { nameSdkFailures } from '../../stores/sdk-failures';
import { getSqsClient } from '../../stores/sqs';
import type { ObjectStore } from '../../stores/types';
import { createLogger, type Logger } from '../../util/log';
import { executionName } from './keys';
import { peerDirectoryFromEnv, type PeerDirectory } from './peer-directory';
import { RunQueues } from './queues';
import type { RoundInput } from './events';

// What SPIRT's steps need, built from the environment serverless.yml (or the local runtime) sets.

export interface RoundStarter {
  /** Starts the execution of one round of one peer; starting the same one twice is harmless. */
  start(input: RoundInput): Promise<void>;
}

export interface SpirtDeps {
  store: ObjectStore;
  traffic: TrafficCounter;
  log: Logger;
  directory: PeerDirectory;
  queues(runId: string): RunQueues;
  rounds: RoundStarter;
  invoker: FunctionInvoker;
  /** The deployed name of one of the service's functions. */
  functionName(key: string): string;
  /** The N the deployed round state machine was generated for (`--param batches=N`), when known. */
  deployedBatches?: number;
}

export const SPIRT_ENV = { stateMachine: 'MLTRAIN_STATE_MACHINE_NAME', batches: 'MLTRAIN_STATE_MACHINE_BATCHES' } as const;

let sfn: SFNClient | undefined;

/** Starts rounds through the Step Functions API; the machine's ARN comes from the function's own. */
export class StepFunctionsRoundStarter implements RoundStarter {
  constructor(private readonly stateMachineArn: string, private readonly client = (sfn ??= nameSdkFailures(new SFNClient({}), 'Step Functions'))) {}

  async start(input: RoundInput): Promise<void> {
    try {
      await this.client.send(new StartExecutionCommand({
        stateMachineArn: this.stateMachineArn, name: executionName(input.runId, input.peer, input.round), input: JSON.stringify(input),
      }));
    } catch (err) {
      if (!(err instanceof ExecutionAlreadyExists)) throw err; // a retried step: the round is already running
    }
  }
}

/** arn:<partition>:lambda:<region>:<account>:function:<name> → the same account's state machine. */
export function stateMachineArn(invokedFunctionArn: string, stateMachineName: string): string {
  const [, partition, , region, account] = invokedFunctionArn.split(':');
  if (!partition || !region || !account) throw new Error(`cannot read region and account from the function ARN "${invokedFunctionArn}"`);
  return `arn:${partition}:states:${region}:${account}:stateMachine:${stateMachineName}`;
}

export function createSpirtDeps(functionKey: string, context: { invokedFunctionArn: string }): SpirtDeps {
  const service = requireEnv('MLTRAIN_SERVICE');
  const stage = requireEnv('MLTRAIN_STAGE');
  const traffic = new TrafficCounter();
  const prefix = `${service}-${stage}`;
  return {
    store: new S3Store(getS3Client(), requireEnv('MLTRAIN_BUCKET'), traffic),
    traffic,
    log: createLogger({ service, function: functionKey }),
    directory: peerDirectoryFromEnv(),
    queues: (runId) => new RunQueues(getSqsClient(), prefix, runId, traffic),
    rounds: new StepFunctionsRoundStarter(stateMachineArn(context.invokedFunctionArn, requireEnv(SPIRT_ENV.stateMachine))),
    invoker: new LambdaInvoker(traffic),
    functionName: (key) => `${prefix}-${key}`,
    deployedBatches: deployedBatches(),
  };
}

function deployedBatches(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env[SPIRT_ENV.batches];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${SPIRT_ENV.batches} is "${raw}"; expected the whole number of batches the state machine was generated for`);
  return n;
}
