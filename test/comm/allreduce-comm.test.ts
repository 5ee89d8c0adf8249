import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AllReduceCommunicator, BadGradientError, MissingWorkerError, OutOfTimeError } from '../../lib/comm/allreduce';
import { encodeTensor } from '../../lib/ml/tensor';
import { startS3, type S3Server } from '../../lib/local/servers/s3';
import { createLocalS3Client } from '../../lib/stores/s3-client';
import { S3Store } from '../../lib/stores/s3';

// The AllReduce communicator over a real S3 API (s3rver): N communicators in one process stand in
// for N workers.

let server: S3Server;
let dir: string;
let store: S3Store;
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'comm-test-'));
  server = await startS3({ directory: dir, buckets: ['comm-test'] });
  store = new S3Store(createLocalS3Client(server.endpoint), 'comm-test');
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const communicators = (prefix: string, n: number, timeoutMs = 10_000) =>
  Array.from({ length: n }, (_, rank) => new AllReduceCommunicator({ store, prefix, rank, numWorkers: n, timeoutMs, checkAbort: async () => undefined }));

test('every worker gets the element-wise mean, bit-identical, and old keys are cleaned up', async () => {
  const comms = communicators('runs/t1/sync/', 3);
  const grads = [new Float32Array([1, 2, 3, 0.1]), new Float32Array([4, 5, 6, 0.2]), new Float32Array([7, 8, 9.5, 0.3])];
  const step1 = await Promise.all(comms.map((c, r) => c.mean('e1/b0', grads[r])));
  expect(Array.from(step1[0])).toEqual(Array.from(new Float32Array([4, 5, 6.166666507720947, 0.2])));
  for (const m of step1) expect(Buffer.from(m.buffer).equals(Buffer.from(step1[0].buffer))).toBe(true);
  await Promise.all(comms.map((c, r) => c.mean('e1/b1', grads[(r + 1) % 3])));
  // After step 2 only its merged gradient is left: step 1's keys and step 2's gradients are gone.
  expect(await store.list('runs/t1/sync/')).toEqual(['runs/t1/sync/e1/b1/merged.f32']);
});

test('a gradient of the wrong length is refused, naming the worker and both lengths', async () => {
  const [zero] = communicators('runs/t2/sync/', 2);
  await store.save('runs/t2/sync/e1/b0/grad-1.f32', encodeTensor(new Float32Array(3)));
  const err = await zero.mean('e1/b0', new Float32Array(4)).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(BadGradientError);
  expect((err as Error).message).toBe('gradient from worker 1 for e1/b0 is unusable: tensor length 3 (12 bytes) does not match expected length 4');
  expect(await store.load('runs/t2/sync/e1/b0/merged.f32')).toBeUndefined(); // nothing was published
});

test('a NaN gradient is refused', async () => {
  const [zero] = communicators('runs/t3/sync/', 2);
  await store.save('runs/t3/sync/e1/b0/grad-1.f32', encodeTensor(new Float32Array([0, NaN])));
  await expect(zero.mean('e1/b0', new Float32Array(2))).rejects.toThrow(/gradient from worker 1 for e1\/b0 is unusable: .*NaN/);
});

test('a worker that never sends makes worker 0 fail within the timeout, naming it', async () => {
  const comms = communicators('runs/t4/sync/', 3, 1500);
  const t0 = Date.now();
  const results = await Promise.allSettled([comms[0].mean('e2/b7', new Float32Array(2)), comms[1].mean('e2/b7', new Float32Array(2))]);
  expect(results[0].status).toBe('rejected');
  const err = (results[0] as PromiseRejectedResult).reason;
  expect(err).toBeInstanceOf(MissingWorkerError);
  expect(err.message).toBe('worker 2 sent no gradient for e2/b7 within 2 s');
  expect(Date.now() - t0).toBeLessThan(5000);
});

test('a wait cut short by the invocation time limit says so instead of blaming a peer', async () => {
  const zero = new AllReduceCommunicator({
    store, prefix: 'runs/t5/sync/', rank: 0, numWorkers: 2, timeoutMs: 30_000, checkAbort: async () => undefined, waitBudgetMs: () => 300,
  });
  const t0 = Date.now();
  await expect(zero.mean('e1/b0', new Float32Array(2))).rejects.toBeInstanceOf(OutOfTimeError);
  expect(Date.now() - t0).toBeLessThan(3000);
});
