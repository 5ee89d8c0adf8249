/**
 * Tensors survive what Redis does to data: a restart from an RDB snapshot, a restart from an AOF
 * rewritten by the module's aof_rewrite (AI.TENSORSET ... BLOB) followed by commands replayed
 * verbatim, and replication to a replica (full sync, then the write commands themselves).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type Redis from 'ioredis';
import { createRng } from '../../lib/ml/random';
import { decodeTensor, encodeTensor } from '../../lib/ml/tensor';
import { eventually } from '../local/servers/helpers';
import { datasetDigest, expectSameBits, randomTensor, startTensorServer } from './helpers';

interface Fixture {
  key: string;
  shape: number[];
  values: Float32Array;
}

const rng = createRng(77);
const FIXTURES: Fixture[] = [
  { key: 'p:params', shape: [1000, 25], values: randomTensor(rng, 25_000) },
  { key: 'p:grads', shape: [25_000], values: randomTensor(rng, 25_000) },
  { key: 'p:cube', shape: [2, 3, 4], values: randomTensor(rng, 24) },
  { key: 'p:special', shape: [5], values: new Float32Array([NaN, -0, 1e-45, -3.4028234663852886e38, Infinity]) },
  // A scalar: no dims in the RDB record nor in the rewritten AI.TENSORSET.
  { key: 'p:scalar', shape: [], values: new Float32Array([2.5]) },
];

async function writeFixtures(redis: Redis): Promise<void> {
  for (const { key, shape, values } of FIXTURES) {
    await redis.call('AI.TENSORSET', key, 'FLOAT', ...shape.map(String), 'BLOB', encodeTensor(values));
  }
}

/** Every key's META and blob, read back for comparison after a restart. */
async function snapshot(redis: Redis): Promise<Map<string, { meta: unknown; values: Float32Array }>> {
  const keys = ((await redis.call('KEYS', '*')) as string[]).sort();
  const out = new Map<string, { meta: unknown; values: Float32Array }>();
  for (const key of keys) {
    out.set(key, {
      meta: await redis.call('AI.TENSORGET', key, 'META'),
      values: decodeTensor((await redis.callBuffer('AI.TENSORGET', key, 'BLOB')) as Buffer),
    });
  }
  return out;
}

async function expectSameTensors(redis: Redis, expected: Map<string, { meta: unknown; values: Float32Array }>): Promise<void> {
  const actual = await snapshot(redis);
  expect([...actual.keys()]).toEqual([...expected.keys()]);
  for (const [key, { meta, values }] of expected) {
    expect(actual.get(key)?.meta).toEqual(meta);
    expectSameBits(actual.get(key)!.values, values);
  }
}

async function info(redis: Redis, section: string): Promise<string> {
  return (await redis.call('INFO', section)) as string;
}

let scratch: string;
beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tensor-persistence-'));
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

it('restarts from an RDB snapshot with every tensor, shape and expiry as it was', async () => {
  const dataDir = path.join(scratch, 'rdb');
  let t = await startTensorServer({ persistence: 'rdb', dataDir });
  let expected;
  let digest;
  try {
    await writeFixtures(t.redis);
    expect(await t.redis.call('EXPIRE', 'p:cube', 3600)).toBe(1);
    expect(await t.redis.call('SAVE')).toBe('OK');
    expected = await snapshot(t.redis);
    digest = await datasetDigest(t.redis);
  } finally {
    await t.stop();
  }
  expect(fs.existsSync(path.join(dataDir, 'dump.rdb'))).toBe(true);

  t = await startTensorServer({ persistence: 'rdb', dataDir });
  try {
    await expectSameTensors(t.redis, expected);
    expect(await datasetDigest(t.redis)).toBe(digest);
    expect(await t.redis.call('TTL', 'p:cube')).toBeGreaterThan(3500);
  } finally {
    await t.stop();
  }
});

it('restarts from an AOF rewritten as AI.TENSORSET commands plus the commands logged after it', async () => {
  const dataDir = path.join(scratch, 'aof');
  let t = await startTensorServer({ persistence: 'aof', dataDir });
  let expected;
  try {
    const r = t.redis;
    // A plain-command AOF base, so the rewrite goes through the module's aof_rewrite callback.
    expect(await r.call('CONFIG', 'SET', 'aof-use-rdb-preamble', 'no')).toBe('OK');
    await writeFixtures(r);
    expect(await r.call('AI.MODELUPDATE', 'p:params', '0.01', 'p:grads')).toBe('OK');
    await r.call('BGREWRITEAOF');
    const rewritten = await eventually(async () => {
      const text = await info(r, 'persistence');
      return text.includes('aof_rewrite_in_progress:0') && text.includes('aof_rewrite_scheduled:0') && text.includes('aof_last_bgrewrite_status:ok');
    }, 20_000);
    expect(rewritten).toBe(true);
    const aofDir = path.join(dataDir, 'appendonlydir');
    const base = fs.readdirSync(aofDir).find((f) => f.endsWith('.base.aof'));
    expect(base).toBeDefined();
    const baseText = fs.readFileSync(path.join(aofDir, base!)).toString('latin1');
    expect(baseText.match(/AI\.TENSORSET/g)).toHaveLength(FIXTURES.length);
    expect(baseText).not.toContain('AI.MODELUPDATE');

    // Logged after the rewrite, replayed verbatim on restart.
    expect(await r.call('AI.MODELUPDATE', 'p:params', '-0.5', 'p:grads')).toBe('OK');
    expect(await r.call('AI.TENSORREDUCE', 'p:mean', 'MEAN', 'p:params', 'p:grads')).toBe('OK');
    expect(await r.call('AI.TENSORREDUCE', 'p:trim', 'TRIMMEAN', '1', 'p:params', 'p:grads', 'p:mean')).toBe('OK');
    expected = await snapshot(r);
  } finally {
    await t.stop();
  }

  t = await startTensorServer({ persistence: 'aof', dataDir });
  try {
    await expectSameTensors(t.redis, expected);
  } finally {
    await t.stop();
  }
});

it('replicates to a replica: the initial sync, then TENSORSET, MODELUPDATE and TENSORREDUCE', async () => {
  const master = await startTensorServer();
  const replica = await startTensorServer();
  try {
    await writeFixtures(master.redis);
    // Sync at once instead of waiting for more replicas to join.
    await master.redis.call('CONFIG', 'SET', 'repl-diskless-sync-delay', '0');
    expect(await replica.redis.call('REPLICAOF', '127.0.0.1', String(master.server.port))).toBe('OK');
    expect(await eventually(async () => (await info(replica.redis, 'replication')).includes('master_link_status:up'), 20_000)).toBe(true);

    const r = master.redis;
    expect(await r.call('AI.TENSORSET', 'p:new', 'FLOAT', '2', 'VALUES', '1', '2')).toBe('OK');
    expect(await r.call('AI.MODELUPDATE', 'p:params', '0.1', 'p:grads')).toBe('OK');
    expect(await r.call('AI.TENSORREDUCE', 'p:median', 'MEDIAN', 'p:params', 'p:grads', 'p:params')).toBe('OK');
    // A refused update is not replicated (nothing to replicate).
    await expect(r.call('AI.MODELUPDATE', 'p:params', 'nan', 'p:grads')).rejects.toThrow(/learning rate/);
    expect(await r.call('WAIT', '1', '10000')).toBe(1);

    await expectSameTensors(replica.redis, await snapshot(r));
    expect(await datasetDigest(replica.redis)).toBe(await datasetDigest(r));
    await expect(replica.redis.call('AI.TENSORSET', 'p:x', 'FLOAT', '1')).rejects.toThrow(/READONLY/);
  } finally {
    await replica.stop();
    await master.stop();
  }
});
