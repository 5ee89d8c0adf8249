import type { SFNClient } from '@aws-sdk/client-sfn';
import { requireEnv } from '../../config/env';
import type { FunctionInvoker } from '../../functions/invoker';
import { TrafficCounter } from '../../metrics/traffic';
import { getS3Client } from '../../stores/s3-client';
import { S3Store } from '../../stores/s3';
import { nameSdkFailures } from '../../stores/sdk-failures';
import type { ObjectStore } from '../../stores/types';
import { createLogger, type Logger } from '../../util/log';
import { executionName } from './keys';
import { peerDirectoryFromEnv, type PeerDirectory } from './peer-directory';
import type { RunQueues } from './queues';
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

// The clients a step does not use are not loaded: each AWS SDK client costs 10–50 ms of CPU at a
// cold start, and only the trigger, init_peers, init_model and the round's last step need them.
/* eslint-disable @typescript-eslint/no-require-imports */
const sfnSdk = () => require('@aws-sdk/client-sfn') as typeof import('@aws-sdk/client-sfn');
const sqsModule = () => require('../../stores/sqs') as typeof import('../../stores/sqs');
const queuesModule = () => require('./queues') as typeof import('./queues');
const invokerModule = () => require('../../functions/invoker') as typeof import('../../functions/invoker');
/* eslint-enable @typescript-eslint/no-require-imports */

let sfn: SFNClient | undefined;

/** Starts rounds through the Step Functions API; the machine's ARN comes from the function's own. */
export class StepFunctionsRoundStarter implements RoundStarter {
  constructor(private readonly stateMachineArn: string, private readonly client?: SFNClient) {}

  async start(input: RoundInput): Promise<void> {
    const { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } = sfnSdk();
    const client = this.client ?? (sfn ??= nameSdkFailures(new SFNClient({}), 'Step Functions'));
    try {
      await client.send(new StartExecutionCommand({
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
  let invoker: FunctionInvoker | undefined;
  return {
    store: new S3Store(getS3Client(), requireEnv('MLTRAIN_BUCKET'), traffic),
    traffic,
    log: createLogger({ service, function: functionKey }),
    directory: peerDirectoryFromEnv(),
    queues: (runId) => new (queuesModule().RunQueues)(sqsModule().getSqsClient(), prefix, runId, traffic),
    rounds: new StepFunctionsRoundStarter(stateMachineArn(context.invokedFunctionArn, requireEnv(SPIRT_ENV.stateMachine))),
    get invoker() {
      return (invoker ??= new (invokerModule().LambdaInvoker)(traffic));
    },
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
