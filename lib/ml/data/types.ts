/** An in-memory classification dataset: `count` rows of flattened features and their labels. */
export interface Dataset {
  name: string;
  /** count × product(featureShape), row-major. */
  x: Float32Array;
  /** Class indices in [0, numClasses). */
  y: Uint8Array;
  count: number;
  /** Shape of one sample, e.g. [28, 28, 1]; rows in `x` are this shape flattened. */
  featureShape: number[];
  numClasses: number;
  /**
   * Set on a training shard whose batches get the crop-and-flip augmentation (augment.ts):
   * the run's seed and the shard's worker, which with the epoch's order and the step seed it.
   */
  augment?: { seed: number; worker: number };
}

export function featuresPerRow(featureShape: readonly number[]): number {
  return featureShape.reduce((a, b) => a * b, 1);
}
