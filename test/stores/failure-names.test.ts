/**
 * Failures named by their cause, through the real parts: a killed s3rver, redis-server and
 * memcached, a stopped SQS emulator, a closed DynamoDB port and Lambda API port, each reported by the role it plays;
 * a full disk (a 64 KiB tmpfs under the local S3's folder, a write to /dev/full) as a full disk.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startMemcached, startRedis, startSqs } from '../../lib/local/servers';
import { freePort } from '../../lib/local/servers/free-port';
import { startS3 } from '../../lib/local/servers/s3';
import { startS3Process } from '../../lib/local/servers/s3-process';
import { makeS3rverPutsAtomic } from '../../lib/local/servers/s3rver-atomic-put';
import { DynamoStore } from '../../lib/stores/dynamodb';
import { createLocalDynamoClient } from '../../lib/stores/dynamodb-client';
import { DiskFullError, nameLocalWriteFailure, UnreachableError } from '../../lib/stores/failure-names';
import { createMemcachedClient } from '../../lib/stores/memcached-client';
import { MemcachedStore } from '../../lib/stores/memcached';
import { createRedisClient } from '../../lib/stores/redis-client';
import { RedisStore } from '../../lib/stores/redis';
import { createLocalS3Client } from '../../lib/stores/s3-client';
import { S3Store } from '../../lib/stores/s3';
import { makeS3rverReportFullDisk } from '../../lib/stores/s3rver-disk-full';
import { getSqsClient } from '../../lib/stores/sqs';
import { LambdaInvoker } from '../../lib/functions/invoker';
import { mountTinyTmpfs, type TmpfsMount } from './tmpfs';

const BUCKET = 'named-failures';
let scratch: string;
beforeAll(async () => {
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'named-failures-'));
});
afterAll(() => fs.rm(scratch, { recursive: true, force: true }));

async function failureOf(work: Promise<unknown>): Promise<Error> {
  const err = await work.then(() => undefined, (e: Error) => e);
  if (!err) throw new Error('expected a failure');
  return err;
}

it('a killed s3rver: S3, the bucket and the endpoint, unreachable, connection refused', async () => {
  const s3 = await startS3Process({ directory: path.join(scratch, 's3'), buckets: [BUCKET] });
  const store = new S3Store(createLocalS3Client(s3.endpoint), BUCKET);
  try {
    await store.save('alive', Buffer.from('yes'));
    process.kill(s3.pid, 'SIGKILL');
    const err = await failureOf(store.load('alive'));
    expect(err).toBeInstanceOf(UnreachableError);
    expect(err.message).toBe(`S3 (the run's bucket '${BUCKET}' at ${s3.endpoint}) is unreachable: connection refused`);
    // The socket's error is kept (in jest the SDK copies it into an Error of its own realm).
    expect((err.cause as Error).message).toContain(`ECONNREFUSED 127.0.0.1:${s3.port}`);
  } finally {
    await s3.stop();
  }
});

it('a killed redis-server: the redis channel and its address, unreachable, connection refused', async () => {
  const server = await startRedis();
  const client = createRedisClient(server.endpoint);
  const store = new RedisStore(client);
  try {
    await store.save('alive', Buffer.from('yes'));
    process.kill(server.pid, 'SIGKILL');
    const err = await failureOf(store.load('alive'));
    expect(err.message).toBe(`Redis GET alive failed: the redis channel (redis://127.0.0.1:${server.port}) is unreachable: connection refused (gave up reconnecting)`);
  } finally {
    client.disconnect();
    await server.stop();
  }
});

it("a server's reply error is left as it is", async () => {
  const server = await startRedis();
  const client = createRedisClient(server.endpoint);
  try {
    await client.set('text', 'x');
    const err = await failureOf(client.lpush('text', 'y'));
    expect(err.name).toBe('ReplyError');
    expect(err.message).toMatch(/^WRONGTYPE /);
  } finally {
    client.disconnect();
    await server.stop();
  }
});

it('a killed memcached: the memcached channel, unreachable, connection refused', async () => {
  const server = await startMemcached();
  const store = new MemcachedStore(createMemcachedClient(server.endpoint), { ttlSeconds: 60 });
  try {
    await store.save('alive', Buffer.from('yes'));
    process.kill(server.pid, 'SIGKILL');
    const err = await failureOf(store.load('alive'));
    expect(err.message).toMatch(new RegExp(`^Memcached GET alive failed: the memcached channel \\(127\\.0\\.0\\.1:${server.port}\\) is unreachable: (connection refused|connection reset)$`));
  } finally {
    await server.stop();
  }
});

it('a stopped SQS emulator: SQS, the queue and the endpoint', async () => {
  const sqs = await startSqs();
  await sqs.stop();
  const saved = { ...process.env };
  Object.assign(process.env, { AWS_ENDPOINT_URL_SQS: sqs.endpoint, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
  try {
    const send = getSqsClient().send(new SendMessageCommand({ QueueUrl: `${sqs.endpoint}/000000000000/updates`, MessageBody: '{}' }));
    expect((await failureOf(send)).message).toBe(`SQS (queue 'updates' at ${sqs.endpoint}) is unreachable: connection refused`);
  } finally {
    process.env = saved;
  }
});

it("nothing listening for the Lambda API: Lambda, the function and the endpoint", async () => {
  const endpoint = `http://127.0.0.1:${await freePort()}`;
  const saved = { ...process.env };
  Object.assign(process.env, { AWS_ENDPOINT_URL_LAMBDA: endpoint, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
  try {
    const err = await failureOf(new LambdaInvoker().invokeAsync('svc-dev-worker', { runId: 'r' }));
    expect(err.message).toBe(`Lambda (function 'svc-dev-worker' at ${endpoint}) is unreachable: connection refused`);
  } finally {
    process.env = saved;
  }
});

it('nothing listening for DynamoDB: the dynamodb channel and its table', async () => {
  const endpoint = `http://127.0.0.1:${await freePort()}`;
  const store = new DynamoStore(createLocalDynamoClient(endpoint), 'channel-table', { ttlSeconds: 60 });
  const err = await failureOf(store.load('k'));
  expect(err.message).toContain(`the dynamodb channel (table 'channel-table' at ${endpoint}) is unreachable: connection refused`);
});

describe('a full disk', () => {
  let mounted: TmpfsMount;
  let redisMounted: TmpfsMount;
  beforeAll(() => {
    mounted = mountTinyTmpfs(path.join(scratch, 'tiny'));
    redisMounted = mountTinyTmpfs(path.join(scratch, 'tiny-redis'));
  });
  afterAll(() => {
    for (const m of [mounted, redisMounted]) if ('tmpfs' in m) m.tmpfs.unmount();
  });

  it("under the local S3's folder (a 64 KiB tmpfs): S3 reports the full disk and its path", async () => {
    if (!('tmpfs' in mounted)) throw new Error(`this test needs mount -t tmpfs (root): ${mounted.error}`);
    const { tmpfs } = mounted;
    makeS3rverPutsAtomic();
    makeS3rverReportFullDisk();
    const s3 = await startS3({ directory: tmpfs.dir, buckets: [BUCKET] });
    try {
      const store = new S3Store(createLocalS3Client(s3.endpoint), BUCKET);
      await store.save('small', Buffer.alloc(1_000));
      const err = await failureOf(store.save('checkpoint', Buffer.alloc(200_000)));
      expect(err).toBeInstanceOf(DiskFullError);
      expect(err.message).toMatch(new RegExp(`^S3 \\(the run's bucket '${BUCKET}' at ${s3.endpoint}\\) could not store the data: the disk holding ${tmpfs.dir} is full \\(ENOSPC\\)$`));
    } finally {
      await s3.stop();
    }
  });

  it("redis-server's AOF on a 64 KiB tmpfs: the redis channel's disk is full, not MISCONF", async () => {
    if (!('tmpfs' in redisMounted)) throw new Error(`this test needs mount -t tmpfs (root): ${redisMounted.error}`);
    const server = await startRedis({ persistence: 'aof', dataDir: redisMounted.tmpfs.dir });
    const client = createRedisClient(server.endpoint);
    try {
      // Redis refuses writes once an AOF write has failed; the failure shows within a few writes.
      let err: Error | undefined;
      for (let i = 0; i < 30 && !err; i++) {
        err = await client.set(`k${i}`, Buffer.alloc(20_000)).then(() => undefined, (e: Error) => e);
        if (!err) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(err).toBeInstanceOf(DiskFullError);
      expect(err!.message).toBe(`the redis channel (redis://127.0.0.1:${server.port}) could not store the data: its disk is full (ENOSPC)`);
      expect((err!.cause as Error).message).toMatch(/^MISCONF .*No space left on device/);
    } finally {
      client.disconnect();
      await server.stop();
    }
  });

  it('a local write (to /dev/full): a full disk with the path', async () => {
    const err = nameLocalWriteFailure(await failureOf(fs.writeFile('/dev/full', 'checkpoint')), '/dev/full') as Error;
    expect(err).toBeInstanceOf(DiskFullError);
    expect(err.message).toBe('the disk holding /dev/full is full (ENOSPC)');
  });
});
