/** Input checks every FlatModel engine applies before computing anything; messages name the field at fault. */
import type { Batch } from './types';

export interface BatchShape {
  features: number;
  numClasses: number;
  inputShape: readonly number[];
}

export function checkBatch(batch: Batch, shape: BatchShape, what: string): void {
  const { count } = batch;
  if (!Number.isInteger(count) || count < 1) throw new Error(`${what}.count must be a positive integer, got ${count}`);
  if (batch.x.length !== count * shape.features) {
    throw new Error(
      `${what}.x length ${batch.x.length} does not match count ${count} × ${shape.features} features (input shape [${shape.inputShape.join(', ')}])`,
    );
  }
  if (batch.y.length !== count) throw new Error(`${what}.y length ${batch.y.length} does not match count ${count}`);
  for (let i = 0; i < count; i++) {
    const label = batch.y[i];
    if (!(label >= 0 && label < shape.numClasses)) { // typed arrays hold integers already
      throw new Error(`${what}.y[${i}] = ${label} is not a class index in [0, ${shape.numClasses})`);
    }
  }
}

export function checkChunkSize(chunkSize: number): void {
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new Error(`chunkSize must be a positive integer, got ${chunkSize}`);
}
