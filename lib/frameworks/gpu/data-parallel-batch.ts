import { batchAt } from '../../ml/data/batches';
import { featuresPerRow, type Dataset } from '../../ml/data/types';
import type { Batch } from '../../ml/models/types';

/**
 * The batch one trainer takes at `step` so that it computes exactly what N synchronous
 * data-parallel workers compute together: the union of worker r's step-`step` batch from its own
 * shard, in its own seeded order. The mean loss over this union is the mean of the workers' mean
 * losses (every shard has the same size, so every worker's step has the same number of rows), hence
 * its gradient is the gradient AllReduce averages, and one optimizer step with the same learning
 * rate gives the same parameters up to float rounding.
 */
export function dataParallelBatch(shards: readonly Dataset[], orders: readonly Uint32Array[], step: number, batchSize: number): Batch {
  if (shards.length === 0 || shards.length !== orders.length) {
    throw new Error(`need one row order per shard, got ${orders.length} orders for ${shards.length} shards`);
  }
  const parts = shards.map((shard, r) => batchAt(shard, orders[r], step, batchSize));
  if (parts.length === 1) return parts[0];
  const features = featuresPerRow(shards[0].featureShape);
  const count = parts.reduce((n, p) => n + p.count, 0);
  const x = new Float32Array(count * features);
  const y = new Uint8Array(count);
  let row = 0;
  for (const part of parts) {
    x.set(part.x, row * features);
    y.set(part.y, row);
    row += part.count;
  }
  return { x, y, count };
}
