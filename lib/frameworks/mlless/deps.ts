import type { SQSClient } from '@aws-sdk/client-sqs';
import { createFunctionDeps, type FunctionDeps } from '../../functions/deps';
import { getRedisClient, RedisBlobs } from '../../stores/redis-blobs';
import { getSqsClient, SqsQueue, type RejectedMessage } from '../../stores/sqs';
import type { Logger } from '../../util/log';
import { readMllessEnvironment, type MllessEnvironment } from './environment';
import { toSupervisorSchema, toWorkerSchema } from './messages';

// The clients an MLLESS function builds from its environment: the common ones (bucket, Lambda,
// logger, traffic counter) plus the Redis update store and the SQS queues, all counting traffic.

export interface MllessDeps extends FunctionDeps {
  mlless: MllessEnvironment;
  updates: RedisBlobs;
  sqs: SQSClient;
}

export function createMllessDeps(functionKey: string): MllessDeps {
  const base = createFunctionDeps(functionKey);
  const mlless = readMllessEnvironment();
  return { ...base, mlless, updates: new RedisBlobs(getRedisClient(mlless.redisUrl), base.traffic), sqs: getSqsClient() };
}

export type SupervisorQueue = SqsQueue<typeof toSupervisorSchema>;
export type WorkerQueue = SqsQueue<typeof toWorkerSchema>;

function logRejected(log: Logger) {
  return (r: RejectedMessage) => log.warn('rejected a malformed message', { queue: r.queue, messageId: r.messageId, reason: r.reason, excerpt: r.excerpt });
}

export function supervisorQueue(deps: Pick<MllessDeps, 'sqs' | 'mlless' | 'traffic'>, log: Logger): SupervisorQueue {
  return new SqsQueue({ client: deps.sqs, url: deps.mlless.supervisorQueueUrl, schema: toSupervisorSchema, traffic: deps.traffic, onRejected: logRejected(log) });
}

export function workerQueue(deps: Pick<MllessDeps, 'sqs' | 'mlless' | 'traffic'>, rank: number, log: Logger): WorkerQueue {
  const url = deps.mlless.workerQueueUrls[rank];
  if (!url) throw new Error(`this deployment has ${deps.mlless.workerQueueUrls.length} worker queues, none for worker ${rank}`);
  return new SqsQueue({ client: deps.sqs, url, schema: toWorkerSchema, traffic: deps.traffic, onRejected: logRejected(log) });
}
