import type { Batch, ModelSpec } from '../../lib/ml/models';
import { createRng } from '../../lib/ml/random';

/** A batch of standard-normal features and uniform labels, reproducible from its seed. */
export function randomBatch(spec: ModelSpec, count: number, seed: number): Batch {
  const rng = createRng(seed);
  const features = spec.inputShape.reduce((a, b) => a * b, 1);
  return {
    x: Float32Array.from({ length: count * features }, () => rng.normal()),
    y: Uint8Array.from({ length: count }, () => rng.int(spec.numClasses)),
    count,
  };
}
