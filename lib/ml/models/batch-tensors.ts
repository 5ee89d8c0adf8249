/** Batch checks, one-hot labels and chunked evaluation shared by the FlatModel implementations. */
import * as tf from '@tensorflow/tfjs';
import { perSampleLoss, type LossKind } from './losses';
import { assertFinite } from '../tensor';
import { checkChunkSize, type BatchShape } from './batch-check';
import type { Batch, LayoutEntry } from './types';

export { checkBatch, type BatchShape } from './batch-check';

/** The variables' values, concatenated in layout order. */
export function readVariables(variables: readonly tf.Variable[], entries: readonly LayoutEntry[], numParams: number): Float32Array {
  const params = new Float32Array(numParams);
  variables.forEach((v, i) => params.set(v.dataSync() as Float32Array, entries[i].offset));
  return params;
}

/** Assigns each variable its slice of p (checked: length and finite values). */
export function writeVariables(variables: readonly tf.Variable[], entries: readonly LayoutEntry[], p: Float32Array): void {
  const numParams = entries.reduce((n, e) => n + e.size, 0);
  if (p.length !== numParams) throw new Error(`params length ${p.length} does not match model parameter count ${numParams}`);
  assertFinite(p, 'params');
  tf.tidy(() => {
    variables.forEach((v, i) => {
      const { offset, size, shape } = entries[i];
      // slice, not subarray: the cpu backend keeps the array it is given, and callers mutate p.
      v.assign(tf.tensor(p.slice(offset, offset + size), shape, 'float32'));
    });
  });
}

/** Built in JS: cheaper than tf.oneHot and checks the labels on the way. */
export function oneHot(labels: ArrayLike<number>, count: number, numClasses: number): tf.Tensor2D {
  const values = new Float32Array(count * numClasses);
  for (let i = 0; i < count; i++) values[i * numClasses + labels[i]] = 1;
  return tf.tensor2d(values, [count, numClasses], 'float32');
}

/** Mean loss and accuracy of `scoresOf` over the data, chunkSize rows at a time. */
export function evaluateInChunks(
  data: Batch,
  shape: BatchShape,
  lossKind: LossKind,
  chunkSize: number,
  scoresOf: (x: tf.Tensor2D) => tf.Tensor2D,
): { loss: number; accuracy: number } {
  checkChunkSize(chunkSize);
  const { features, numClasses } = shape;
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < data.count; start += chunkSize) {
    const count = Math.min(chunkSize, data.count - start);
    tf.tidy(() => {
      const x = tf.tensor2d(data.x.subarray(start * features, (start + count) * features), [count, features], 'float32');
      const labels = data.y.subarray(start, start + count);
      const scores = scoresOf(x);
      lossSum += tf.sum(perSampleLoss(lossKind, scores, oneHot(labels, count, numClasses))).dataSync()[0];
      const predicted = tf.argMax(scores, 1).dataSync();
      for (let i = 0; i < count; i++) if (predicted[i] === labels[i]) correct++;
    });
  }
  return { loss: lossSum / data.count, accuracy: correct / data.count };
}
