import {
  AllReduceCommunicator, AsyncCommunicator, BadGradientError, chunkBounds, MissingWorkerError, OutOfTimeError, ReduceScatterCommunicator,
  type CollectiveOptions, type GradientCommunicator,
} from '../../lib/comm';
import { encodeTensor, meanOf } from '../../lib/ml/tensor';
import type { ObjectStore } from '../../lib/stores/types';
import { sleep } from '../../lib/util/wait';
import { startStoreServer, STORE_KINDS, type StoreServer } from '../stores/helpers';

// The communicators over every store, each worker with its own connection (as separate Lambda
// processes would have): AllReduce and ScatterReduce give the same bits, the mean; waits are
// bounded and name who is missing; old keys are cleaned up; async SGD loses no update.

test('chunk i has floor(n/N) + (i < n mod N) values, contiguous, covering the gradient', () => {
  expect(chunkBounds(10, 4).map((c) => [c.start, c.end])).toEqual([[0, 3], [3, 6], [6, 8], [8, 10]]);
  expect(chunkBounds(2, 3).map((c) => c.end - c.start)).toEqual([1, 1, 0]);
  expect(chunkBounds(101_770, 8).map((c) => c.end - c.start)).toEqual([12722, 12722, 12721, 12721, 12721, 12721, 12721, 12721]);
  expect(() => chunkBounds(5, 0)).toThrow('parts must be a positive whole number, got 0');
});

const gradients = (n: number, length: number, seed = 1) => Array.from({ length: n }, (_, r) =>
  Float32Array.from({ length }, (_, i) => Math.sin(seed * 1000 + r * 97 + i * 0.37) * (1 + r) / 3));

describe.each(STORE_KINDS)('over %s', (kind) => {
  let server: StoreServer;
  let stores: ObjectStore[];
  beforeAll(async () => {
    server = await startStoreServer(kind);
    stores = Array.from({ length: 4 }, () => server.open());
  });
  afterAll(() => server?.stop());

  const options = (prefix: string, n: number, over: Partial<CollectiveOptions> = {}) => (rank: number): CollectiveOptions =>
    ({ store: stores[rank % stores.length], prefix, rank, numWorkers: n, timeoutMs: 10_000, checkAbort: async () => undefined, ...over });
  const allReduce = (prefix: string, n: number) => Array.from({ length: n }, (_, r) => new AllReduceCommunicator(options(prefix, n)(r)));
  const scatter = (prefix: string, n: number, over: Partial<CollectiveOptions> = {}) =>
    Array.from({ length: n }, (_, r) => new ReduceScatterCommunicator(options(prefix, n, over)(r)));
  const run = (comms: GradientCommunicator[], step: string, grads: Float32Array[], delayMs = (r: number) => r * 0) =>
    Promise.all(comms.map(async (c, r) => { await sleep(delayMs(r)); return c.mean(step, grads[r]); }));
  const bits = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');

  test.each([[3, 1000], [3, 7], [4, 2], [1, 5]])('with %i workers and %i values, AllReduce and ScatterReduce give the same mean, bit for bit', async (n, length) => {
    const grads = gradients(n, length);
    const expected = bits(meanOf(grads));
    const viaAllReduce = await run(allReduce(`runs/eq-${n}-${length}/ar/`, n), 'e1/b0', grads);
    const viaScatter = await run(scatter(`runs/eq-${n}-${length}/sr/`, n), 'e1/b0', grads, (r) => 30 * (n - r)); // staggered
    for (const m of [...viaAllReduce, ...viaScatter]) expect(bits(m)).toBe(expected);
  });

  test('ScatterReduce over steps with staggered workers: the mean every step, and only the last merged chunks left', async () => {
    const comms = scatter('runs/sr-steps/sync/', 3);
    for (let step = 0; step < 3; step++) {
      const grads = gradients(3, 50, step + 2);
      const got = await run(comms, `e1/b${step}`, grads, (r) => ((r + step) % 3) * 40);
      for (const m of got) expect(bits(m)).toBe(bits(meanOf(grads)));
    }
    expect(await stores[0].list('runs/sr-steps/sync/')).toEqual([0, 1, 2].map((i) => `runs/sr-steps/sync/e1/b2/merged-${i}.f32`));
  });

  test('a worker that never sends makes every owner fail within the timeout, naming it', async () => {
    const comms = scatter('runs/sr-missing/sync/', 3, { timeoutMs: 1500 });
    const t0 = Date.now();
    const results = await Promise.allSettled([0, 1].map((r) => comms[r].mean('e2/b7', new Float32Array(9))));
    for (const r of results) {
      expect(r.status).toBe('rejected');
      const err = (r as PromiseRejectedResult).reason;
      expect(err).toBeInstanceOf(MissingWorkerError);
      expect(err.message).toBe('worker 2 sent no gradient for e2/b7 within 2 s');
    }
    expect(Date.now() - t0).toBeLessThan(6000);
  });

  test('a chunk of the wrong length is refused, naming the worker', async () => {
    const [zero] = scatter('runs/sr-bad/sync/', 2);
    await stores[1].save('runs/sr-bad/sync/e1/b0/chunk-0-from-1.f32', encodeTensor(new Float32Array(3)));
    const err = await zero.mean('e1/b0', new Float32Array(4)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadGradientError);
    expect((err as Error).message).toBe('gradient from worker 1 for e1/b0 is unusable: tensor length 3 (12 bytes) does not match expected length 2');
    expect(await stores[0].load('runs/sr-bad/sync/e1/b0/merged-0.f32')).toBeUndefined();
  });

  test('a worker out of time mid-step hands over and its next invocation redoes the step to the same result', async () => {
    const prefix = 'runs/sr-redo/sync/';
    const grads = gradients(3, 30, 9);
    const comms = scatter(prefix, 3);
    // Worker 2 has sent its chunks but not yet merged its own; worker 1 merges chunk 1, then runs
    // out of time waiting for worker 2's merged chunk.
    for (const c of chunkBounds(30, 3)) if (c.index !== 2) await stores[2].save(`${prefix}e1/b0/chunk-${c.index}-from-2.f32`, encodeTensor(grads[2].subarray(c.start, c.end)));
    const zero = comms[0].mean('e1/b0', grads[0]);
    const first = new ReduceScatterCommunicator({ ...options(prefix, 3)(1), waitBudgetMs: () => 600 });
    const err = await first.mean('e1/b0', grads[1]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutOfTimeError);
    expect((err as Error).message).toBe("the invocation's time ran out while waiting for the merged chunk 2 of e1/b0 from worker 2");
    // Its successor resumes from the exported state and redoes the step, while worker 2 carries on.
    const second = new ReduceScatterCommunicator(options(prefix, 3)(1));
    second.importState(first.exportState());
    const [m0, m1, m2] = await Promise.all([zero, second.mean('e1/b0', grads[1]), comms[2].mean('e1/b0', grads[2])]);
    for (const m of [m0, m1, m2]) expect(bits(m)).toBe(bits(meanOf(grads)));
  });

  test('async SGD: concurrent read-modify-writes lose no update, and old versions are cleaned up', async () => {
    const n = 3;
    const initial = Float32Array.from({ length: 6 }, (_, i) => i);
    const updates = [0, 1, 2].map((r) => Float32Array.from({ length: 6 }, (_, i) => (r + 1) * 0.25 * (i % 2 ? -1 : 1)));
    const comms = Array.from({ length: n }, (_, r) => new AsyncCommunicator({ ...options('runs/async/sync/', n)(r), initial, maxStaleness: 0 }));
    const rounds = 5;
    const finals = await Promise.all(comms.map(async (c, r) => {
      for (let k = 0; k < rounds; k++) { await sleep(r * 7); await c.exchange(updates[r]); }
      return c.exchange(new Float32Array(6)); // sees everyone's `rounds` updates (maxStaleness 0)
    }));
    const expected = Float32Array.from(initial, (x, i) => x + (rounds * (updates[0][i] + updates[1][i] + updates[2][i])) / n);
    for (const m of finals) expect(Array.from(m)).toEqual(Array.from(expected));
    const keys = await stores[0].list('runs/async/sync/');
    expect(keys).toEqual([0, 1, 2].flatMap((r) => [5, 6].map((v) => `runs/async/sync/async/rank-${r}/v${String(v).padStart(9, '0')}.f32`)));
  });

  test('async SGD with bounded staleness names a worker that falls too far behind', async () => {
    const initial = new Float32Array(4);
    const [zero] = [0, 1].map((r) => new AsyncCommunicator({ ...options('runs/async-stale/sync/', 2, { timeoutMs: 800 })(r), initial, maxStaleness: 1 }));
    await zero.exchange(new Float32Array(4)); // exchange 1 needs nothing from worker 1 (1 − 1 = 0)
    await expect(zero.exchange(new Float32Array(4))).rejects.toThrow('worker 1 is more than 1 exchanges behind worker 0 (at 2) and published nothing for 1 s');
  });

  test('async SGD settles with a worker far behind but still publishing, and names one that stopped', async () => {
    const initial = new Float32Array(3);
    // Worker 1 publishes every 350 ms plus its exchange (about 0.5 s on s3 at load average 50):
    // always within the 1.5 s timeout, but finishing more than a timeout after worker 0.
    const [fast, slow] = [0, 1].map((r) => new AsyncCommunicator({ ...options('runs/async-drift/sync/', 2, { timeoutMs: 1500 })(r), initial }));
    const steps = 6;
    const slowRun = (async () => {
      for (let k = 0; k < steps; k++) { await sleep(350); await slow.exchange(new Float32Array([1, 1, 1])); }
      return slow.settle();
    })();
    for (let k = 0; k < steps; k++) await fast.exchange(new Float32Array([2, 2, 2]));
    const t0 = Date.now();
    const [a, b] = await Promise.all([fast.settle(), slowRun]);
    expect(Date.now() - t0).toBeGreaterThan(1500); // waited longer than one timeout
    expect(Array.from(a)).toEqual([9, 9, 9]); // (6 × 2 + 6 × 1) / 2
    expect(Array.from(b)).toEqual(Array.from(a));
    const [waiting] = [0, 1].map((r) => new AsyncCommunicator({ ...options('runs/async-gone/sync/', 2, { timeoutMs: 400 })(r), initial }));
    await waiting.exchange(new Float32Array(3));
    await expect(waiting.settle()).rejects.toThrow("timed out after 0.4 s waiting for worker 1's last update (1)");
    // The invocation's time is never extended: running out of it means handing over.
    const [handing] = [0, 1].map((r) => new AsyncCommunicator({ ...options('runs/async-late/sync/', 2, { waitBudgetMs: () => 200 })(r), initial }));
    await handing.exchange(new Float32Array(3));
    await expect(handing.settle()).rejects.toBeInstanceOf(OutOfTimeError);
  });
});
