import type { Dataset } from '../../ml/data/types';

// How rounds map onto epochs. A round is one execution: every peer computes `batches` minibatches
// in parallel and applies one update; an epoch is one pass over each peer's training rows.

/**
 * Rows each peer keeps aside to check convergence on (the end of its shard): a tenth, at most
 * 1,000, and at least one row, so a small --train-samples still gives check-convergence a row.
 */
export function validationCount(shardCount: number): number {
  if (shardCount < 2) throw new Error(`a SPIRT peer needs at least 2 rows (1 to train on, 1 to validate on), its shard has ${shardCount}`);
  return Math.min(1000, Math.max(1, Math.floor(shardCount / 10)));
}

export function roundsPerEpoch(trainCount: number, batches: number, batchSize: number): number {
  return Math.max(1, Math.floor(trainCount / (batches * batchSize)));
}

export interface RoundPosition {
  epoch: number;
  /** Index of the round within its epoch, from 0. */
  step: number;
  lastOfEpoch: boolean;
  lastOfRun: boolean;
}

export function roundPosition(round: number, perEpoch: number, epochs: number): RoundPosition {
  const epoch = Math.floor((round - 1) / perEpoch) + 1;
  const step = (round - 1) % perEpoch;
  return { epoch, step, lastOfEpoch: step === perEpoch - 1, lastOfRun: round >= perEpoch * epochs };
}

/** Splits a peer's shard into the rows it trains on and the rows it validates on. */
export function splitShard(shard: Dataset): { train: Dataset; validation: Dataset } {
  const holdOut = validationCount(shard.count);
  const trainCount = shard.count - holdOut;
  const width = shard.x.length / shard.count;
  const part = (start: number, count: number, suffix: string): Dataset => ({
    ...shard, name: `${shard.name}${suffix}`, count,
    x: shard.x.subarray(start * width, (start + count) * width), y: shard.y.subarray(start, start + count),
  });
  return { train: part(0, trainCount, ''), validation: part(trainCount, holdOut, ':validation') };
}
