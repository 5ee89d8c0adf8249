import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import Redis from 'ioredis';
import type { LocalRuntime } from '../../lib/local/runtime';

// Everything a SPIRT function could write to: the bucket's keys, every peer database's keys, the
// queues and the executions. Two equal snapshots around refused events show nothing was written.

export interface WrittenState {
  bucket: string[];
  peerDatabases: string[][];
  queues: string[];
  executions: number;
}

export async function snapshotState(runtime: LocalRuntime, runDir: string): Promise<WrittenState> {
  const sqs = new SQSClient({ endpoint: runtime.env.AWS_ENDPOINT_URL_SQS, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const peers = JSON.parse(readFileSync(path.join(runDir, 'private', 'peer-databases.json'), 'utf8')).peers as { endpoint: string; password: string }[];
  const peerDatabases = await Promise.all(peers.map(async ({ endpoint, password }) => {
    const redis = new Redis(endpoint, { password });
    try {
      return (await redis.keys('*')).sort();
    } finally {
      redis.disconnect();
    }
  }));
  return {
    bucket: (await runtime.store().list('')).sort(),
    peerDatabases,
    queues: ((await sqs.send(new ListQueuesCommand({}))).QueueUrls ?? []).sort(),
    executions: runtime.stepFunctions.executions().length,
  };
}
