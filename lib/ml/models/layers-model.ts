/**
 * FlatModel over a tf.layers network: parameters and gradients cross the boundary as one flat
 * Float32Array in layout order; every tensor made here is released before returning.
 */
import * as tf from '@tensorflow/tfjs';
import { assertFinite } from '../tensor';
import { featureCount, type Network } from './architectures';
import { checkBatch, checkChunkSize } from './batch-check';
import { glorotUniformParams } from './init';
import { copyLayout } from './layout';
import { perSampleLoss, type LossKind } from './losses';
import type { Batch, FlatModel, LayoutEntry, ModelKind } from './types';

const DEFAULT_EVAL_CHUNK = 1024;

export class LayersFlatModel implements FlatModel {
  readonly numParams: number;
  private readonly model: tf.Sequential;
  private readonly lossKind: LossKind;
  private readonly variables: tf.Variable[];
  private readonly entries: LayoutEntry[];
  private readonly features: number;
  private disposed = false;

  constructor(
    readonly kind: ModelKind,
    network: Network,
    private readonly inputShape: number[],
    private readonly numClasses: number,
  ) {
    this.model = network.model;
    this.lossKind = network.loss;
    this.features = featureCount(inputShape);
    // LayerVariable.read() is the tf.Variable that variableGrads differentiates against.
    this.variables = this.model.trainableWeights.map((w) => (w as unknown as { read(): tf.Variable }).read());
    let offset = 0;
    this.entries = this.model.trainableWeights.map((w) => {
      const size = featureCount(w.shape as number[]);
      const entry = { name: w.originalName, shape: [...(w.shape as number[])], offset, size };
      offset += size;
      return entry;
    });
    this.numParams = offset;
  }

  layout(): LayoutEntry[] {
    return copyLayout(this.entries);
  }

  initialParams(seed: number): Float32Array {
    return glorotUniformParams(this.entries, this.numParams, seed);
  }

  getParams(): Float32Array {
    this.assertUsable();
    const params = new Float32Array(this.numParams);
    this.variables.forEach((v, i) => params.set(v.dataSync() as Float32Array, this.entries[i].offset));
    return params;
  }

  setParams(p: Float32Array): void {
    this.assertUsable();
    if (p.length !== this.numParams) {
      throw new Error(`params length ${p.length} does not match model parameter count ${this.numParams}`);
    }
    assertFinite(p, 'params');
    tf.tidy(() => {
      this.variables.forEach((v, i) => {
        const { offset, size, shape } = this.entries[i];
        // slice, not subarray: the cpu backend keeps the array it is given, and callers mutate p.
        v.assign(tf.tensor(p.slice(offset, offset + size), shape, 'float32'));
      });
    });
  }

  gradient(batch: Batch): { loss: number; grad: Float32Array } {
    this.assertUsable();
    this.checkBatch(batch, 'batch');
    const grad = new Float32Array(this.numParams);
    let loss = NaN;
    // The tidy callback returns nothing: tidy walks any returned object looking for tensors, which
    // for a 100k-element Float32Array costs more than the whole gradient.
    tf.tidy(() => {
      const x = tf.tensor2d(batch.x, [batch.count, this.features], 'float32');
      const oneHot = this.oneHot(batch.y, batch.count);
      const { value, grads } = tf.variableGrads(
        () => tf.mean(perSampleLoss(this.lossKind, this.scores(x, true), oneHot)) as tf.Scalar,
        this.variables,
      );
      loss = value.dataSync()[0];
      this.variables.forEach((v, i) => grad.set(grads[v.name].dataSync() as Float32Array, this.entries[i].offset));
    });
    return { loss, grad };
  }

  evaluate(data: Batch, chunkSize = DEFAULT_EVAL_CHUNK): { loss: number; accuracy: number } {
    this.assertUsable();
    this.checkBatch(data, 'data');
    checkChunkSize(chunkSize);
    let lossSum = 0;
    let correct = 0;
    for (let start = 0; start < data.count; start += chunkSize) {
      const count = Math.min(chunkSize, data.count - start);
      tf.tidy(() => {
        const x = tf.tensor2d(data.x.subarray(start * this.features, (start + count) * this.features), [count, this.features], 'float32');
        const labels = data.y.subarray(start, start + count);
        const scores = this.scores(x, false);
        lossSum += tf.sum(perSampleLoss(this.lossKind, scores, this.oneHot(labels, count))).dataSync()[0];
        const predicted = tf.argMax(scores, 1).dataSync();
        for (let i = 0; i < count; i++) if (predicted[i] === labels[i]) correct++;
      });
    }
    return { loss: lossSum / data.count, accuracy: correct / data.count };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.model.dispose();
  }

  private scores(x: tf.Tensor2D, training: boolean): tf.Tensor2D {
    return this.model.apply(x, { training }) as tf.Tensor2D;
  }

  /** Built in JS: cheaper than tf.oneHot and checks the labels on the way. */
  private oneHot(labels: ArrayLike<number>, count: number): tf.Tensor2D {
    const values = new Float32Array(count * this.numClasses);
    for (let i = 0; i < count; i++) values[i * this.numClasses + labels[i]] = 1;
    return tf.tensor2d(values, [count, this.numClasses], 'float32');
  }

  private checkBatch(batch: Batch, what: string): void {
    checkBatch(batch, what, this.features, this.numClasses, this.inputShape);
  }

  private assertUsable(): void {
    if (this.disposed) throw new Error(`${this.kind} model has been disposed`);
  }
}
