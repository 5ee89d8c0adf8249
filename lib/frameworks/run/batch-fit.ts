import { InvalidInputError } from './training-config';

// A batch larger than a worker's shard would silently train on the whole shard while the results
// record the larger size: refused, with the numbers, before anything runs.

const count = (n: number): string => n.toLocaleString('en-US');

export interface BatchFit {
  batchSize: number;
  shardRows: number;
  /** How the caller spells the option: `--batch-size`, `batchSize`. */
  name: string;
  /** Where the shard size comes from, for the message. */
  where: string;
  /** What was checked, before the message (`invalid trigger event config`). */
  what?: string;
}

/** Throws unless `batchSize` rows fit in one shard of `shardRows`. */
export function assertBatchFitsShard({ batchSize, shardRows, name, where, what }: BatchFit): void {
  if (batchSize <= shardRows) return;
  throw new InvalidInputError(
    `${what ? `${what}: ` : ''}${name} ${count(batchSize)} on a ${count(shardRows)}-row shard (${where}): use ${name} ${count(shardRows)} or less, or fewer workers`,
  );
}

/** The shard size of `rows` training rows split among `workers` (shards.ts: equal, the rest dropped). */
export function shardRowCount(rows: number, workers: number): number {
  return Math.floor(rows / workers);
}
