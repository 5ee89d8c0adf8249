import { status } from '@grpc/grpc-js';
import { createOptimizer } from '../../lib/ml/optimizers';
import { meanOf } from '../../lib/ml/tensor';
import { TrafficCounter } from '../../lib/metrics/traffic';
import { ParameterServerCallError, ParameterServerClient } from '../../lib/ps/client';
import { ModelRegistry } from '../../lib/ps/models';
import { startParameterServer, type RunningParameterServer } from '../../lib/ps/server';
import { createLogger } from '../../lib/util/log';

// The parameter server through real gRPC on 127.0.0.1: the synchronous update rule, bounded waits
// that name missing workers, validation with status codes, large messages and the token.

const TOKEN = 'test-token-not-a-secret';
const SGD = { kind: 'sgd', lr: 0.1, momentum: 0.9, weight_decay: 0.01 };
let server: RunningParameterServer;
let client: ParameterServerClient;
const traffic = new TrafficCounter();

beforeAll(async () => {
  server = await startParameterServer({ host: '127.0.0.1', port: 0, token: TOKEN, log: createLogger({}, () => undefined) });
  client = new ParameterServerClient({ endpoint: server.address, token: TOKEN, traffic, unavailableRetryMs: 0 });
});

afterAll(async () => {
  client.close();
  await server.stop();
});

let runCounter = 0;
const newRunId = () => `test-run-${++runCounter}`;
const vec = (values: number[]) => Float32Array.from(values);

async function refusal(promise: Promise<unknown>): Promise<ParameterServerCallError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ParameterServerCallError);
  return err as ParameterServerCallError;
}

async function registerAll(runId: string, workers: number, initial: Float32Array, optimizer = SGD): Promise<void> {
  for (let rank = 0; rank < workers; rank++) await client.register({ runId, rank, numWorkers: workers, optimizer, initialParams: initial });
}

test('answers Ping with its name and process id', async () => {
  const reply = await client.ping();
  expect(reply).toMatchObject({ server: 'mltrain-parameter-server', pid: process.pid });
});

test('applies the mean of all workers\' gradients with the run\'s optimizer once every worker pushed', async () => {
  const runId = newRunId();
  const initial = vec([1, -2, 3, 0.5]);
  await registerAll(runId, 3, initial);
  // The last element makes the sum depend on its order: arrival order (2, 0, 1) would give 1/3, rank order gives 0.
  const grads = [vec([1, 2, 3, 1e20]), vec([0.5, 0, -1, 1]), vec([-3, 1, 1, -1e20])];

  // The same optimizer, here: the server's result must be bit-identical (summed in rank order).
  const expected = Float32Array.from(initial);
  const local = createOptimizer({ kind: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0.01 }, 4);
  local.step(expected, meanOf(grads));

  expect(await client.push(runId, 2, 0, grads[2])).toMatchObject({ version: 0, accepted: true, waiting_for: [0, 1] });
  expect(await client.push(runId, 0, 0, grads[0])).toMatchObject({ version: 0, waiting_for: [1] });
  expect((await client.pull(runId, 0, 0, 0)).params).toEqual(initial); // nothing applied yet
  const waiting = client.pull(runId, 1, 1, 5000);
  expect(await client.push(runId, 1, 0, grads[1])).toMatchObject({ version: 1, accepted: true, waiting_for: [] });
  const pulled = await waiting;
  expect(pulled.version).toBe(1);
  expect(Buffer.from(pulled.params.buffer).equals(Buffer.from(expected.buffer))).toBe(true);

  // Momentum lives on the server: a second step uses the buffer of the first.
  for (let r = 0; r < 3; r++) await client.push(runId, r, 1, grads[r]);
  local.step(expected, meanOf(grads));
  expect((await client.pull(runId, 0, 2, 0)).params).toEqual(expected);
});

test('a repeated push for the current step overwrites; one for an applied step is acknowledged and ignored', async () => {
  const runId = newRunId();
  await registerAll(runId, 2, vec([0, 0]), { kind: 'sgd', lr: 1, momentum: 0, weight_decay: 0 });
  await client.push(runId, 0, 0, vec([100, 100]));
  await client.push(runId, 0, 0, vec([2, 4])); // the worker's next invocation redoing the step
  await client.push(runId, 1, 0, vec([0, 0]));
  expect((await client.pull(runId, 0, 1, 0)).params).toEqual(vec([-1, -2]));
  expect(await client.push(runId, 1, 0, vec([9, 9]))).toMatchObject({ version: 1, accepted: false });
  expect((await client.pull(runId, 0, 1, 0)).params).toEqual(vec([-1, -2]));
});

test('a pull that waits too long fails naming the workers that did not push, and those that never registered', async () => {
  const runId = newRunId();
  await client.register({ runId, rank: 0, numWorkers: 3, optimizer: SGD, initialParams: vec([1]) });
  await client.register({ runId, rank: 1, numWorkers: 3, optimizer: SGD, initialParams: vec([1]) });
  await client.push(runId, 0, 0, vec([1]));
  const t0 = Date.now();
  const err = await refusal(client.pull(runId, 0, 1, 300));
  expect(Date.now() - t0).toBeLessThan(3000);
  expect(err.code).toBe(status.DEADLINE_EXCEEDED);
  expect(err.details).toBe(`worker 1 sent no gradient for step 0 within 0.3 s; worker 2 never registered within 0.3 s (run ${runId}, worker 0 waited for version 1)`);
});

test('refuses bad requests with a status and a message naming the problem, and keeps the model as it was', async () => {
  const runId = newRunId();
  await registerAll(runId, 2, vec([1, 2, 3]));
  const cases: [Promise<unknown>, status, RegExp][] = [
    [client.push(runId, 0, 0, vec([1, 2])), status.INVALID_ARGUMENT, /gradient of worker 0 for step 0 has 8 bytes; the model has 3 float32 parameters \(12 bytes\)/],
    [client.push(runId, 1, 0, vec([1, NaN, 3])), status.INVALID_ARGUMENT, /gradient of worker 1 for step 0 has a non-finite value NaN at index 1/],
    [client.push(runId, 0, 0, vec([Infinity, 0, 0])), status.INVALID_ARGUMENT, /non-finite value Infinity at index 0/],
    [client.push(runId, 0, 5, vec([1, 2, 3])), status.FAILED_PRECONDITION, /step 5 .* the model is at version 0/],
    [client.push(runId, 2, 0, vec([1, 2, 3])), status.INVALID_ARGUMENT, /rank 2 is outside 0..1/],
    [client.push('no-such-run', 0, 0, vec([1, 2, 3])), status.NOT_FOUND, /run no-such-run has no model/],
    [client.pull('Bad_Run', 0, 0, 0), status.INVALID_ARGUMENT, /run_id "Bad_Run" is invalid/],
    [client.pull(runId, 0, 1, 0), status.FAILED_PRECONDITION, /is at version 0, not yet 1/],
    [client.pull(runId, 0, 7, 1000), status.FAILED_PRECONDITION, /asked for version 7/],
    [client.register({ runId, rank: 0, numWorkers: 4, optimizer: SGD, initialParams: vec([1, 2, 3]) }), status.FAILED_PRECONDITION, /registered with 2 workers, worker 0 says 4/],
    [client.register({ runId, rank: 1, numWorkers: 2, optimizer: SGD, initialParams: vec([1, 2, 4]) }), status.FAILED_PRECONDITION, /other initial parameters than worker 1's/],
    [client.register({ runId, rank: 1, numWorkers: 2, optimizer: { ...SGD, lr: 0.2 }, initialParams: vec([1, 2, 3]) }), status.FAILED_PRECONDITION, /optimizer .*"lr":0.1.* worker 1 says .*"lr":0.2/],
    [client.register({ runId: newRunId(), rank: 0, numWorkers: 1, optimizer: { ...SGD, kind: 'rmsprop' }, initialParams: vec([1]) }), status.INVALID_ARGUMENT, /optimizer.kind must be "sgd" or "adam", got "rmsprop"/],
    [client.register({ runId: newRunId(), rank: 0, numWorkers: 1, optimizer: { ...SGD, lr: -1 }, initialParams: vec([1]) }), status.INVALID_ARGUMENT, /optimizer: .*lr/],
    [client.register({ runId: newRunId(), rank: 0, numWorkers: 1, optimizer: SGD, initialParams: vec([NaN]) }), status.INVALID_ARGUMENT, /initial_params of worker 0 has a non-finite value/],
    [client.register({ runId: newRunId(), rank: 3, numWorkers: 2, optimizer: SGD, initialParams: vec([1]) }), status.INVALID_ARGUMENT, /rank 3 is outside 0..1/],
  ];
  for (const [call, code, message] of cases) {
    const err = await refusal(call);
    expect({ code: err.code, details: err.details }).toEqual({ code, details: expect.stringMatching(message) });
  }
  // Nothing of the refused pushes was kept: two good pushes complete the step from the initial model.
  await client.push(runId, 0, 0, vec([0, 0, 0]));
  expect(await client.push(runId, 1, 0, vec([0, 0, 0]))).toMatchObject({ version: 1 });
  expect((await client.pull(runId, 0, 1, 0)).params).toEqual(vec([1, 2, 3]).map((x) => x * (1 - 0.1 * 0.01)));
});

test('a worker must register before it pulls or pushes', async () => {
  const runId = newRunId();
  await client.register({ runId, rank: 0, numWorkers: 2, optimizer: SGD, initialParams: vec([1]) });
  const err = await refusal(client.push(runId, 1, 0, vec([1])));
  expect(err.code).toBe(status.FAILED_PRECONDITION);
  expect(err.details).toBe(`worker 1 has not registered with run ${runId}`);
});

test('rejoining after a hand-over keeps the model and reports its version', async () => {
  const runId = newRunId();
  await registerAll(runId, 1, vec([5]), { kind: 'sgd', lr: 1, momentum: 0, weight_decay: 0 });
  await client.push(runId, 0, 0, vec([1]));
  const again = await client.register({ runId, rank: 0, numWorkers: 1, optimizer: { kind: 'sgd', lr: 1, momentum: 0, weight_decay: 0 }, initialParams: vec([5]) });
  expect(again).toMatchObject({ worker_id: `${runId}/rank-0`, version: 1, created: false, num_params: 1 });
  expect((await client.pull(runId, 0, 1, 0)).params).toEqual(vec([4]));
});

test('Delete drops the model and ends waiting pulls with ABORTED', async () => {
  const runId = newRunId();
  await registerAll(runId, 2, vec([1]));
  const waiting = refusal(client.pull(runId, 0, 1, 10_000));
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(await client.delete(runId)).toBe(true);
  const err = await waiting;
  expect(err.code).toBe(status.ABORTED);
  expect(err.details).toMatch(/was deleted while worker 0 waited for version 1/);
  expect((await refusal(client.pull(runId, 0, 0, 0))).code).toBe(status.NOT_FOUND);
  expect(await client.delete(runId)).toBe(false);
});

test('moves a 3.2 M-float model and gradient (12.8 MB messages) intact', async () => {
  const runId = newRunId();
  const n = 3_200_000;
  const initial = new Float32Array(n).map((_, i) => (i % 1000) / 1000);
  await client.register({ runId, rank: 0, numWorkers: 1, optimizer: { kind: 'sgd', lr: 0.5, momentum: 0, weight_decay: 0 }, initialParams: initial });
  const before = traffic.snapshot();
  await client.push(runId, 0, 0, new Float32Array(n).fill(2));
  const pulled = await client.pull(runId, 0, 1, 0);
  expect(pulled.params.length).toBe(n);
  expect(pulled.params[0]).toBe(-1);
  expect(pulled.params[999]).toBeCloseTo(0.999 - 1, 6);
  expect(pulled.params[n - 1]).toBeCloseTo(((n - 1) % 1000) / 1000 - 1, 6);
  const after = traffic.snapshot();
  expect(after.bytesWritten - before.bytesWritten).toBe(4 * n);
  expect(after.bytesRead - before.bytesRead).toBe(4 * n);
  expect(after.requests.parameterServer - before.requests.parameterServer).toBe(2);
  await client.delete(runId);
}, 30_000);

test('refuses callers without the shared token', async () => {
  for (const token of [undefined, 'wrong-token']) {
    const stranger = new ParameterServerClient({ endpoint: server.address, token, unavailableRetryMs: 0 });
    try {
      const err = await refusal(stranger.ping());
      expect(err.code).toBe(status.UNAUTHENTICATED);
    } finally {
      stranger.close();
    }
  }
});

test('an unreachable server is reported with its address after a bounded retry', async () => {
  const nobody = new ParameterServerClient({ endpoint: '127.0.0.1:1', unavailableRetryMs: 300 });
  const t0 = Date.now();
  const err = await refusal(nobody.ping());
  nobody.close();
  expect(err.code).toBe(status.UNAVAILABLE);
  expect(err.message).toMatch(/^parameter server at 127.0.0.1:1: Ping failed \(UNAVAILABLE\)/);
  expect(Date.now() - t0).toBeLessThan(5000);
});

test('a server that comes back within the retry window is reached, and a waiting pull keeps only what is left of its wait', async () => {
  const first = await startParameterServer({ host: '127.0.0.1', port: 0, log: createLogger({}, () => undefined) });
  const port = first.port;
  await first.stop();
  const patient = new ParameterServerClient({ endpoint: `127.0.0.1:${port}`, unavailableRetryMs: 10_000 });
  let second: RunningParameterServer | undefined;
  const restart = new Promise((resolve) => setTimeout(resolve, 700)).then(async () => {
    second = await startParameterServer({ host: '127.0.0.1', port, log: createLogger({}, () => undefined) });
    await second.registry.register({ runId: 'run-back', rank: 0, numWorkers: 2, numParams: 1, optimizer: SGD, initialParams: Buffer.from(vec([1]).buffer) });
  });
  try {
    const t0 = Date.now();
    // Sent while nothing listens: retried until the server is back, then it waits for the rest of its 2 s.
    const err = await refusal(patient.pull('run-back', 0, 1, 2000));
    await restart;
    expect(err.code).toBe(status.DEADLINE_EXCEEDED);
    expect(err.details).toMatch(/worker 1 never registered within [01]\.\d s/); // less than the 2 s asked for
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);
    expect(Date.now() - t0).toBeLessThan(3500);
    expect((await patient.ping()).server).toBe('mltrain-parameter-server');
  } finally {
    patient.close();
    await second?.stop();
  }
});

describe('ModelRegistry housekeeping', () => {
  const sgd = { kind: 'sgd', lr: 0.1, momentum: 0, weight_decay: 0 };
  const bytes = (v: number[]) => Buffer.from(vec(v).buffer);

  test('drops models idle for longer than the expiry, counting from the last use, not registration', () => {
    let now = 0;
    const registry = new ModelRegistry({ idleExpiryMs: 1000, now: () => now });
    registry.register({ runId: 'run-old', rank: 0, numWorkers: 1, numParams: 1, optimizer: sgd, initialParams: bytes([1]) });
    registry.register({ runId: 'run-busy', rank: 0, numWorkers: 1, numParams: 1, optimizer: sgd, initialParams: bytes([1]) });
    now = 900;
    registry.push('run-busy', 0, 0, bytes([1]));
    now = 1500;
    expect(registry.expireIdle()).toEqual(['run-old']);
    expect(registry.size).toBe(1);
    now = 2000;
    expect(registry.expireIdle()).toEqual(['run-busy']);
  });

  test('refuses a model beyond its limit with RESOURCE_EXHAUSTED', () => {
    const registry = new ModelRegistry({ maxModels: 1 });
    registry.register({ runId: 'run-one', rank: 0, numWorkers: 1, numParams: 1, optimizer: sgd, initialParams: bytes([1]) });
    expect(() => registry.register({ runId: 'run-two', rank: 0, numWorkers: 1, numParams: 1, optimizer: sgd, initialParams: bytes([1]) }))
      .toThrow(expect.objectContaining({ code: status.RESOURCE_EXHAUSTED }));
  });
});
