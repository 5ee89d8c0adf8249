/**
 * TensorClient, the typed client SPIRT codes against, through a real redis-server with the module
 * loaded the way the local runtime loads it (startRedis, a password, ensureTensorModule's path).
 */
import Redis from 'ioredis';
import { startRedis } from '../../lib/local/servers/redis';
import type { ProcessServer } from '../../lib/local/servers/types';
import { TrafficCounter } from '../../lib/metrics/traffic';
import { createRng } from '../../lib/ml/random';
import { meanOf } from '../../lib/ml/tensor';
import { TensorClient, TensorModuleError } from '../../lib/stores/tensor-client';
import { ensureTensorModule } from '../../lib/stores/tensor-module';
import { medianOf, sgdReference, sumOf, trimmedMeanOf } from './cases/reference';
import { expectSameBits, randomTensor } from './helpers';

const PASSWORD = 'peer-db-secret';
let server: ProcessServer;
let redis: Redis;
let client: TensorClient;

beforeAll(async () => {
  server = await startRedis({ password: PASSWORD, modules: [{ path: ensureTensorModule() }] });
  redis = new Redis({ host: '127.0.0.1', port: server.port, password: PASSWORD });
  client = new TensorClient(redis);
});
afterAll(async () => {
  redis.disconnect();
  await server.stop();
});

it('stores and returns Float32Arrays bit for bit, with their shape', async () => {
  const values = randomTensor(createRng(1), 1_500);
  await client.set('c:flat', values);
  expectSameBits((await client.get('c:flat'))!, values);
  expect(await client.meta('c:flat')).toEqual({ dtype: 'FLOAT', shape: [1_500] });
  await client.set('c:matrix', values, [30, 50]);
  expect(await client.meta('c:matrix')).toEqual({ dtype: 'FLOAT', shape: [30, 50] });
  // A view into a larger buffer at an odd offset is sent as its own elements only.
  const view = new Float32Array(values.buffer, 4 * 7, 10);
  await client.set('c:view', view);
  expectSameBits((await client.get('c:view'))!, values.subarray(7, 17));
});

it('answers undefined for a key that does not exist', async () => {
  expect(await client.get('c:missing')).toBeUndefined();
  expect(await client.meta('c:missing')).toBeUndefined();
});

it('stores a scalar (shape []) and reads its empty shape back', async () => {
  await client.set('c:scalar', new Float32Array([3.5]), []);
  expect(await client.meta('c:scalar')).toEqual({ dtype: 'FLOAT', shape: [] });
  expect(Array.from((await client.get('c:scalar'))!)).toEqual([3.5]);
});

it('updates the model and reduces in the database, matching the TypeScript references', async () => {
  const rng = createRng(2);
  const sources = Array.from({ length: 5 }, () => randomTensor(rng, 2_000));
  for (const [i, v] of sources.entries()) await client.set(`c:g${i}`, v);
  const names = sources.map((_, i) => `c:g${i}`);

  await client.reduce('c:mean', 'mean', names);
  expectSameBits((await client.get('c:mean'))!, meanOf(sources));
  await client.reduce('c:sum', 'sum', names);
  expectSameBits((await client.get('c:sum'))!, sumOf(sources));
  await client.reduce('c:median', 'median', names);
  expectSameBits((await client.get('c:median'))!, medianOf(sources));
  await client.reduce('c:trim', { trimmedMean: 2 }, names);
  expectSameBits((await client.get('c:trim'))!, trimmedMeanOf(sources, 2));

  const params = randomTensor(rng, 2_000);
  await client.set('c:params', params);
  await client.modelUpdate('c:params', 0.03, 'c:mean');
  expectSameBits((await client.get('c:params'))!, sgdReference(params, 0.03, meanOf(sources)));
});

it('turns error replies into TensorModuleError naming the command, and leaves the data alone', async () => {
  await client.set('c:p', new Float32Array([1, 2, 3]));
  await client.set('c:bad', new Float32Array([0, NaN, 0]));
  const refused = client.modelUpdate('c:p', 0.1, 'c:bad');
  await expect(refused).rejects.toBeInstanceOf(TensorModuleError);
  await expect(refused).rejects.toThrow("AI.MODELUPDATE c:p 0.1 c:bad: ERR grads 'c:bad' has a non-finite value at index 1; params left unchanged");
  expect(Array.from((await client.get('c:p'))!)).toEqual([1, 2, 3]);

  await expect(client.modelUpdate('c:p', NaN, 'c:p')).rejects.toThrow("ERR learning rate must be a finite number, got 'NaN'");
  await expect(client.reduce('c:out', 'mean', [])).rejects.toThrow('AI.TENSORREDUCE c:out MEAN: ERR AI.TENSORREDUCE needs at least one source tensor');
  await expect(client.reduce('c:out', { trimmedMean: 1 }, ['c:p', 'c:bad'])).rejects.toThrow('ERR TRIMMEAN 1 drops 1 values at each end but there are only 2 sources');
  await expect(client.set('c:p', new Float32Array(4), [3])).rejects.toThrow('AI.TENSORSET c:p FLOAT 3 BLOB: ERR data length does not match tensor shape and type (expected 12 bytes, got 16)');
  await redis.set('c:text', 'hello');
  const wrongType = await client.get('c:text').catch((err: TensorModuleError) => err);
  expect(wrongType).toBeInstanceOf(TensorModuleError);
  expect((wrongType as TensorModuleError).reply).toBe('WRONGTYPE Operation against a key holding the wrong kind of value');
  expect((wrongType as TensorModuleError).command).toBe('AI.TENSORGET c:text BLOB');
  expect(Array.from((await client.get('c:p'))!)).toEqual([1, 2, 3]);
});

it('counts bytes moved and one redis request per command', async () => {
  const traffic = new TrafficCounter();
  const counted = new TensorClient(redis, traffic);
  await counted.set('c:t', new Float32Array(1000));
  await counted.set('c:u', new Float32Array(1000).fill(1));
  await counted.get('c:t');
  await counted.get('c:missing');
  await counted.meta('c:t');
  await counted.modelUpdate('c:t', 0.5, 'c:u');
  await counted.reduce('c:v', 'median', ['c:t', 'c:u']);
  await counted.reduce('c:v', 'mean', ['c:nothing']).catch(() => undefined);
  const totals = traffic.snapshot();
  expect(totals.bytesWritten).toBe(8000);
  expect(totals.bytesRead).toBe(4000);
  // One request per command, the refused reduce included.
  expect(totals.requests.redis).toBe(8);
});

it('lets connection errors through as they are', async () => {
  const offline = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null });
  const err = await new TensorClient(offline).get('x').catch((e: Error) => e);
  expect(err).toBeInstanceOf(Error);
  expect(err).not.toBeInstanceOf(TensorModuleError);
  offline.disconnect();
});
