/**
 * Seeded, disjoint, equal-sized data shards, one per worker, plus their stored form
 * (shard-codec.ts) and manifest (manifest.ts), re-exported here.
 */
import { shuffledIndices } from '../random';
import { featuresPerRow, type Dataset } from './types';

export { decodeShard, encodeShard } from './shard-codec';
export { validateManifest, validateShardEntry, type DatasetManifest, type ShardEntry } from './manifest';

/**
 * Splits a seeded permutation of 0..count-1 into `workers` disjoint shards of floor(count/workers)
 * rows each. The remainder (fewer than `workers` rows) is dropped on purpose: with equal shards
 * every worker takes the same number of steps, which the synchronous frameworks rely on.
 */
export function shardIndices(count: number, workers: number, seed: number): Uint32Array[] {
  if (!Number.isInteger(count) || count < 1) throw new Error(`count must be a positive integer, got ${count}`);
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers must be a positive integer, got ${workers}`);
  if (workers > count) throw new Error(`workers ${workers} exceeds the dataset's ${count} rows: some shards would be empty`);
  const order = shuffledIndices(count, seed);
  const size = Math.floor(count / workers);
  return Array.from({ length: workers }, (_, w) => order.slice(w * size, (w + 1) * size));
}

/** A new dataset holding the given rows, in the given order. */
export function takeRows(ds: Dataset, indices: ArrayLike<number>): Dataset {
  const features = featuresPerRow(ds.featureShape);
  const x = new Float32Array(indices.length * features);
  const y = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const row = indices[i];
    if (!Number.isInteger(row) || row < 0 || row >= ds.count) throw new Error(`row index ${row} at position ${i} is outside dataset ${ds.name} (${ds.count} rows)`);
    x.set(ds.x.subarray(row * features, (row + 1) * features), i * features);
    y[i] = ds.y[row];
  }
  return { name: ds.name, x, y, count: indices.length, featureShape: [...ds.featureShape], numClasses: ds.numClasses };
}
