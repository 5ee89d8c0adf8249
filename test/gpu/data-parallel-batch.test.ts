import { dataParallelBatch } from '../../lib/frameworks/gpu/data-parallel-batch';
import { initBackend } from '../../lib/ml/backend';
import { batchAt, stepsPerEpoch } from '../../lib/ml/data/batches';
import { makeSyntheticSplit } from '../../lib/ml/data/synthetic';
import { shardIndices, takeRows } from '../../lib/ml/data/shards';
import { createModel } from '../../lib/ml/models';
import { deriveSeed, shuffledIndices } from '../../lib/ml/random';
import { meanOf } from '../../lib/ml/tensor';

// The claim behind the GPU baseline's hyperparameters: one trainer taking the union of the N
// workers' step batches computes the gradient that synchronous data-parallel training averages.

beforeAll(() => initBackend());

const { train } = makeSyntheticSplit({ features: 12, numClasses: 3, trainCount: 1003, testCount: 10, seed: 3, noise: 1 });
const workers = 3;
const shards = shardIndices(train.count, workers, 5).map((idx) => takeRows(train, idx));
const orders = shards.map((s, r) => shuffledIndices(s.count, deriveSeed(5, 1, r)));

test('puts worker r\'s rows for the step after worker r-1\'s, including the short last step', () => {
  const batchSize = 40;
  const last = stepsPerEpoch(shards[0].count, batchSize) - 1; // 334 rows per shard: 8 full steps + 14
  for (const step of [0, last]) {
    const batch = dataParallelBatch(shards, orders, step, batchSize);
    const parts = shards.map((s, r) => batchAt(s, orders[r], step, batchSize));
    expect(batch.count).toBe(parts.reduce((n, p) => n + p.count, 0));
    expect(batch.count).toBe(step === 0 ? 120 : 3 * 14);
    expect(Array.from(batch.y)).toEqual(parts.flatMap((p) => Array.from(p.y)));
    expect(Array.from(batch.x.subarray(parts[0].x.length, parts[0].x.length + 12))).toEqual(Array.from(parts[1].x.subarray(0, 12)));
  }
});

test('its gradient is the mean of the workers\' gradients, so one step matches AllReduce', () => {
  const model = createModel('mlp', { inputShape: [12], numClasses: 3, seed: 9 });
  for (const step of [0, 8]) {
    const union = model.gradient(dataParallelBatch(shards, orders, step, 40));
    const perWorker = shards.map((s, r) => model.gradient(batchAt(s, orders[r], step, 40)));
    const mean = meanOf(perWorker.map((g) => g.grad));
    let maxDiff = 0;
    for (let i = 0; i < mean.length; i++) maxDiff = Math.max(maxDiff, Math.abs(mean[i] - union.grad[i]));
    expect(maxDiff).toBeLessThan(1e-6);
    expect(union.loss).toBeCloseTo(perWorker.reduce((s, g) => s + g.loss, 0) / workers, 5);
  }
  model.dispose();
});

test('refuses mismatched shards and orders', () => {
  expect(() => dataParallelBatch(shards, orders.slice(1), 0, 10)).toThrow('need one row order per shard, got 2 orders for 3 shards');
});
