import type { Batch } from '../models/types';

/** One chunk's summed loss and number of correct predictions, as the addon returns them. */
export type ChunkEvaluation = (x: Float32Array, labels: Int32Array, count: number) => [number, number];

/**
 * Evaluates `data` in chunks of at most `chunkSize` rows (the addon's buffers are sized for a
 * batch), summing the chunks' losses and correct counts into the mean loss and accuracy.
 */
export function evaluateInChunks(data: Batch, labels: Int32Array, features: number, chunkSize: number, evaluateChunk: ChunkEvaluation): { loss: number; accuracy: number } {
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < data.count; start += chunkSize) {
    const count = Math.min(chunkSize, data.count - start);
    const x = data.x.subarray(start * features, (start + count) * features);
    const [chunkLoss, chunkCorrect] = evaluateChunk(x, labels.subarray(start, start + count), count);
    lossSum += chunkLoss;
    correct += chunkCorrect;
  }
  return { loss: lossSum / data.count, accuracy: correct / data.count };
}
