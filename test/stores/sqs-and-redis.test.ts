import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { startRedis, startSqs, type ProcessServer, type RunningServer } from '../../lib/local/servers';
import { TrafficCounter } from '../../lib/metrics/traffic';
import { closeRedisClient, getRedisClient, RedisBlobs } from '../../lib/stores/redis-blobs';
import { SqsQueue, type RejectedMessage } from '../../lib/stores/sqs';

// The queue client against local-aws-sqs and the byte store against redis-server: the real servers
// the local runtime runs.

let sqsServer: RunningServer;
let redisServer: ProcessServer;
let client: SQSClient;
beforeAll(async () => {
  [sqsServer, redisServer] = await Promise.all([startSqs(), startRedis()]);
  client = new SQSClient({ region: 'us-east-1', endpoint: sqsServer.endpoint, credentials: { accessKeyId: 't', secretAccessKey: 't' } });
});
afterAll(async () => {
  client.destroy();
  await closeRedisClient();
  await Promise.all([sqsServer.stop(), redisServer.stop()]);
});

const messageSchema = z.object({ kind: z.literal('ping'), n: z.number().int() }).strict();

async function newQueue(name: string, onRejected?: (r: RejectedMessage) => void, traffic?: TrafficCounter) {
  const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: name }));
  return new SqsQueue({ client, url: QueueUrl!, schema: messageSchema, traffic, onRejected });
}

test('sends and receives typed JSON messages, and a deleted message does not come back', async () => {
  const traffic = new TrafficCounter();
  const q = await newQueue('typed', undefined, traffic);
  expect(q.name).toBe('typed');
  await q.send({ kind: 'ping', n: 1 });
  const got = await q.receive({ deadline: Date.now() + 2000 });
  expect(got.map((m) => m.body)).toEqual([{ kind: 'ping', n: 1 }]);
  await q.delete(got.map((m) => m.receipt));
  expect(await q.receive({ deadline: Date.now() + 1200 })).toEqual([]);
  const t = traffic.snapshot();
  expect(t.bytesByKind.sqs.written).toBe(Buffer.byteLength('{"kind":"ping","n":1}'));
  expect(t.bytesByKind.sqs.read).toBe(t.bytesByKind.sqs.written);
  expect(t.requests.sqs).toBeGreaterThanOrEqual(4); // send, receive, delete, receive
});

test('refuses to send a message that does not match its schema', async () => {
  const q = await newQueue('strict-send');
  await expect(q.send({ kind: 'ping', n: 1.5 } as never)).rejects.toThrow('refusing to send an invalid message to strict-send: n:');
});

test('malformed messages are deleted and reported, and valid ones still get through', async () => {
  const rejected: RejectedMessage[] = [];
  const q = await newQueue('malformed', (r) => rejected.push(r));
  for (const body of ['not json {', '{"kind":"ping","n":"two"}', '{"kind":"ping","n":3}']) {
    await client.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: body }));
  }
  // One receive: it keeps polling past the rejected messages until a valid one arrives.
  const got = await q.receive({ deadline: Date.now() + 3000 });
  expect(got.map((m) => m.body.n)).toEqual([3]);
  expect(rejected.map((r) => r.excerpt).sort()).toEqual(['not json {', '{"kind":"ping","n":"two"}']);
  expect(rejected.find((r) => r.excerpt === 'not json {')!.reason).toMatch(/^not JSON: /);
  expect(rejected.find((r) => r.excerpt.includes('two'))!.reason).toMatch(/^n: /);
  // They were deleted: nothing comes back, even after the visibility timeout would have passed.
  expect(await q.receive({ deadline: Date.now() + 1200 })).toEqual([]);
});

test('a long poll returns as soon as a message arrives, and an empty one at its deadline', async () => {
  const q = await newQueue('long-poll');
  const t0 = Date.now();
  setTimeout(() => void q.send({ kind: 'ping', n: 7 }), 300);
  const got = await q.receive({ deadline: Date.now() + 5000, max: 10 });
  expect(got.map((m) => m.body.n)).toEqual([7]);
  expect(Date.now() - t0).toBeLessThan(1500);
  const t1 = Date.now();
  expect(await q.receive({ deadline: t1 + 1500 })).toEqual([]);
  expect(Date.now() - t1).toBeGreaterThanOrEqual(1400);
  expect(Date.now() - t1).toBeLessThan(2600);
});

test('the Redis store keeps bytes by key, counts them, and deletes by key and by prefix', async () => {
  const traffic = new TrafficCounter();
  const store = new RedisBlobs(getRedisClient(redisServer.endpoint), traffic);
  const bytes = Buffer.from([0, 1, 2, 250, 255]);
  await store.put('run-a:u:1:0', bytes, 60_000);
  await store.put('run-a:u:1:1', Buffer.from([9]), 60_000);
  await store.put('run-b:u:1:0', Buffer.from([7]), 60_000);
  expect(await store.get('run-a:u:1:0')).toEqual(bytes);
  expect(await store.getMany(['run-a:u:1:1', 'missing', 'run-a:u:1:0'])).toEqual([Buffer.from([9]), undefined, bytes]);
  expect(await store.delete(['run-a:u:1:1'])).toBe(1);
  expect(await store.deletePrefix('run-a:')).toBe(1);
  expect(await store.get('run-a:u:1:0')).toBeUndefined();
  expect(await store.get('run-b:u:1:0')).toEqual(Buffer.from([7]));
  const t = traffic.snapshot();
  expect(t.bytesByKind.redis.written).toBe(7);
  expect(t.bytesByKind.redis.read).toBe(5 + 1 + 5 + 1);
  expect(t.requests.redis).toBeGreaterThanOrEqual(9);
});

test('the lease goes to one owner at a time, is renewed by its owner only, and released', async () => {
  const store = new RedisBlobs(getRedisClient(redisServer.endpoint));
  expect(await store.claim('lease', 'run-1', 60_000)).toEqual({ acquired: true, holder: 'run-1' });
  expect(await store.claim('lease', 'run-2', 60_000)).toEqual({ acquired: false, holder: 'run-1' });
  expect(await store.renew('lease', 'run-2', 60_000)).toBe(false);
  expect(await store.renew('lease', 'run-1', 60_000)).toBe(true);
  await store.release('lease', 'run-2'); // not the owner: nothing happens
  expect(await store.claim('lease', 'run-2', 60_000)).toMatchObject({ acquired: false });
  await store.release('lease', 'run-1');
  expect(await store.claim('lease', 'run-2', 100)).toMatchObject({ acquired: true });
  await new Promise((resolve) => setTimeout(resolve, 200));
  // A lapsed lease is free again, and its former owner may take it back by renewing.
  expect(await store.renew('lease', 'run-2', 60_000)).toBe(true);
});
