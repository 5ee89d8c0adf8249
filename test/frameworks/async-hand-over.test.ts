import { OutOfTimeError, type CollectiveOptions } from '../../lib/comm';
import { createStepExchange } from '../../lib/frameworks/collective/step-exchange';
import { resolveTrainingConfig } from '../../lib/frameworks/run/training-config';
import { createOptimizer } from '../../lib/ml/optimizers';
import { startStoreServer, type StoreServer } from '../stores/helpers';

// Async SGD's wait for the others is bounded by the invocation's time too. A worker that runs out
// of it after publishing its update hands over, and its next invocation only reads the shared
// model: the update is in the channel and the optimizer's state once, never twice.

let redis: StoreServer;
beforeAll(async () => { redis = await startStoreServer('redis'); });
afterAll(() => redis?.stop());

const config = resolveTrainingConfig({ dataset: 'synthetic', model: 'mlp', workers: 2, sync: 'async', staleness: 0, lr: 0.5 }, { framework: 'allreduce' });
const initial = new Float32Array([1, 2, 3, 4]);
const grads = [new Float32Array([1, 1, 1, 1]), new Float32Array([-2, 0, 2, 4])];

function worker(rank: number, over: Partial<CollectiveOptions> = {}) {
  const comm: CollectiveOptions = {
    store: redis.open(), prefix: 'runs/async-redo/sync/', rank, numWorkers: 2, timeoutMs: 10_000, checkAbort: async () => undefined, ...over,
  };
  const optimizer = createOptimizer({ kind: 'sgd', lr: 0.5 }, initial.length);
  return { optimizer, exchange: createStepExchange('allreduce', config, comm, optimizer, initial) };
}

test('a worker out of time after publishing hands over, and the redo reads without applying its update again', async () => {
  const first = worker(0, { waitBudgetMs: () => 300 });
  const params = initial.slice();
  const err = await first.exchange.step('e1/b0', params, grads[0]).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(OutOfTimeError); // worker 1 has not published its first update (staleness 0)
  const handedOver = { comm: first.exchange.exportState(), optimizer: first.optimizer.exportState(), params };
  expect(handedOver.comm).toEqual({ asyncVersion: 1, asyncPublishedStep: 'e1/b0' });
  expect(handedOver.optimizer.step).toBe(1);

  // The next invocation resumes from the checkpoint while worker 1 takes its step.
  const second = worker(0);
  second.optimizer.importState(handedOver.optimizer);
  await second.exchange.importState(handedOver.comm);
  const other = worker(1);
  const otherParams = initial.slice();
  await Promise.all([second.exchange.step('e1/b0', handedOver.params, grads[0]), other.exchange.step('e1/b0', otherParams, grads[1])]);

  // initial + mean of the two updates (−0.5 × gradient each), with worker 0's applied once.
  const expected = Array.from(initial, (x, i) => x + (-0.5 * grads[0][i] - 0.5 * grads[1][i]) / 2);
  expect(Array.from(handedOver.params)).toEqual(expected);
  expect(Array.from(otherParams)).toEqual(expected);
  expect(second.optimizer.exportState().step).toBe(1);
  expect(second.exchange.exportState()).toEqual({ asyncVersion: 1 });
  const slots = await redis.open().list('runs/async-redo/sync/async/rank-0/');
  expect(slots).toEqual(['runs/async-redo/sync/async/rank-0/v000000001.f32']);

  // The step after it publishes again, as version 2.
  await Promise.all([second.exchange.step('e1/b1', handedOver.params, grads[0]), other.exchange.step('e1/b1', otherParams, grads[1])]);
  expect(second.exchange.exportState()).toEqual({ asyncVersion: 2 });
  expect(Array.from(handedOver.params)).toEqual(Array.from(otherParams));
});
