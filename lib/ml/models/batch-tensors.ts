/** Batch checks, one-hot labels and chunked evaluation shared by the FlatModel implementations. */
import * as tf from '@tensorflow/tfjs';
import { perSampleLoss, type LossKind } from './losses';
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
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new Error(`chunkSize must be a positive integer, got ${chunkSize}`);
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
