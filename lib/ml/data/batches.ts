/** Mini-batches drawn from a dataset through a (shuffled) row order. */
import type { Batch } from '../models/types';
import { deriveSeed, shuffledIndices } from '../random';
import { cropAndFlip } from './augment';
import { featuresPerRow, type Dataset } from './types';

function positiveInteger(value: number, field: string): void {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${field} must be a positive integer, got ${value}`);
}

/** Steps to visit every row once; the last batch of an epoch may be smaller. */
export function stepsPerEpoch(count: number, batchSize: number): number {
  positiveInteger(count, 'count');
  positiveInteger(batchSize, 'batchSize');
  return Math.ceil(count / batchSize);
}

/** The row order of one epoch: a seeded permutation specific to (seed, epoch). */
export function epochOrder(count: number, seed: number, epoch: number): Uint32Array {
  return shuffledIndices(count, deriveSeed(seed, epoch));
}

/** FNV-1a of an epoch's order: it stands for (seed, epoch), which batchAt is not given. */
const orderHashes = new WeakMap<Uint32Array, number>();
function orderHash(order: Uint32Array): number {
  let h = orderHashes.get(order);
  if (h === undefined) {
    h = 0x811c9dc5;
    for (let i = 0; i < order.length; i++) h = Math.imul(h ^ order[i], 0x01000193);
    h >>>= 0;
    orderHashes.set(order, h);
  }
  return h;
}

/**
 * Rows order[step·batchSize …] (up to batchSize of them) copied into a batch. A shard marked for
 * augmentation (cifar10, synthetic-images) gets each row randomly cropped and flipped, seeded by
 * (run seed, epoch order, worker, step), so a rerun or a retried step draws the same batch.
 */
export function batchAt(ds: Dataset, order: Uint32Array, step: number, batchSize: number): Batch {
  positiveInteger(batchSize, 'batchSize');
  const steps = Math.ceil(order.length / batchSize);
  if (!Number.isInteger(step) || step < 0 || step >= steps) {
    throw new Error(`step ${step} is outside [0, ${steps}) for ${order.length} rows in batches of ${batchSize}`);
  }
  const features = featuresPerRow(ds.featureShape);
  const start = step * batchSize;
  const count = Math.min(batchSize, order.length - start);
  const x = new Float32Array(count * features);
  const y = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const row = order[start + i];
    if (row >= ds.count) throw new Error(`order[${start + i}] = ${row} is outside dataset ${ds.name} (${ds.count} rows)`);
    x.set(ds.x.subarray(row * features, (row + 1) * features), i * features);
    y[i] = ds.y[row];
  }
  if (ds.augment !== undefined) {
    const [height, width, channels] = ds.featureShape;
    if (ds.featureShape.length !== 3) throw new Error(`dataset ${ds.name}: augmentation needs [height, width, channels] rows, got [${ds.featureShape.join(', ')}]`);
    cropAndFlip(x, count, { height, width, channels }, deriveSeed(ds.augment.seed, orderHash(order), ds.augment.worker, step));
  }
  return { x, y, count };
}
