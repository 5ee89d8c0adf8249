import Redis from 'ioredis';
import { once, isDuplicateInProgress, onceWithResult } from '../../lib/functions/idempotency';
import { startRedis } from '../../lib/local/servers/redis';
import { ObjectClaimLedger } from '../../lib/stores/object-claims';
import { RedisClaimLedger } from '../../lib/stores/redis-claims';
import { createLogger } from '../../lib/util/log';
import { startStoreServer, type StoreServer } from './helpers';

// The step claims against the real stores: s3rver answering S3's conditional PUT, redis-server.

let s3: StoreServer;
let redisServer: Awaited<ReturnType<typeof startRedis>>;
let redis: Redis;
beforeAll(async () => {
  [s3, redisServer] = await Promise.all([startStoreServer('s3'), startRedis()]);
  redis = new Redis(redisServer.endpoint);
});
afterAll(async () => {
  redis.disconnect();
  await Promise.all([s3.stop(), redisServer.stop()]);
});

const lines: Record<string, unknown>[] = [];
const log = createLogger({}, (line) => lines.push(JSON.parse(line)));

test('S3 PutObject with If-None-Match: * creates a key once, even when two race', async () => {
  const store = s3.open();
  const racing = await Promise.all(Array.from({ length: 8 }, (_, i) => store.saveIfAbsent!('claims/race', Buffer.from(`claim ${i}`))));
  expect(racing.filter(Boolean)).toHaveLength(1);
  expect(await store.saveIfAbsent!('claims/race', Buffer.from('again'))).toBe(false);
  const winner = racing.indexOf(true);
  expect((await store.load('claims/race'))?.toString()).toBe(`claim ${winner}`);
});

test.each(['s3', 'redis'])('%s: a step runs once; a duplicate gets the first result, a failed attempt can be retried', async (kind) => {
  const ledger = kind === 's3' ? new ObjectClaimLedger(s3.open()) : new RedisClaimLedger(redis);
  let acted = 0;
  const step = (fail = false) => once(ledger, `step-${kind}`, { log, what: 'test step' }, async () => {
    acted += 1;
    if (fail) throw new Error('the store went away');
    return { value: acted };
  });
  await expect(step(true)).rejects.toThrow('the store went away');
  expect(await step()).toEqual({ value: 2 });
  expect(await step()).toEqual({ value: 2 });
  expect(acted).toBe(2);
  expect(lines.filter((l) => l.message === 'duplicate delivery ignored' && l.step === 'test step' && l.firstDelivery === 'finished').length).toBeGreaterThan(0);
});

test('a duplicate that arrives while the first is running returns at once, without acting', async () => {
  const ledger = new RedisClaimLedger(redis);
  let release!: () => void;
  const first = once(ledger, 'step-slow', { log, what: 'slow step' }, () => new Promise<string>((r) => { release = () => r('done'); }));
  await new Promise((r) => setTimeout(r, 50));
  const second = await once(ledger, 'step-slow', { log, what: 'slow step' }, async () => 'acted twice');
  expect(isDuplicateInProgress(second)).toBe(true);
  release();
  expect(await first).toBe('done');
});

test('onceWithResult (the triggers): a duplicate during the first waits for its result; after a failed first, it acts itself', async () => {
  const ledger = new ObjectClaimLedger(s3.open());
  /** A first delivery that acts until told how to end; `started` resolves once it holds the claim. */
  const slowFirst = (key: string) => {
    let end!: (fail: boolean) => void;
    let started!: () => void;
    const running = new Promise<void>((r) => { started = r; });
    const result = onceWithResult(ledger, key, { log, what: key, waitMs: 20_000 }, () => new Promise<string>((resolve, reject) => {
      end = (fail) => (fail ? reject(new Error('the first failed')) : resolve('first result'));
      started();
    }));
    return { result, running, end: (fail: boolean) => end(fail) };
  };
  let acted = 0;
  const duplicate = (key: string) => onceWithResult(ledger, key, { log, what: key, waitMs: 20_000 }, async () => { acted += 1; return 'the duplicate acted'; });
  const slow = slowFirst('claims/trigger-slow');
  await slow.running;
  const second = duplicate('claims/trigger-slow');
  setTimeout(() => slow.end(false), 300);
  expect(await Promise.all([slow.result, second])).toEqual(['first result', 'first result']);
  expect(acted).toBe(0);
  // A first delivery that fails releases its claim: the waiting duplicate then acts in its place.
  const failing = slowFirst('claims/trigger-failing');
  await failing.running;
  const retry = duplicate('claims/trigger-failing');
  setTimeout(() => failing.end(true), 300);
  await expect(failing.result).rejects.toThrow('the first failed');
  expect(await retry).toBe('the duplicate acted');
  expect(acted).toBe(1);
});
