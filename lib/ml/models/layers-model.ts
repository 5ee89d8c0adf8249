/**
 * FlatModel over a tf.layers network: parameters and gradients cross the boundary as one flat
 * Float32Array in layout order; every tensor made here is released before returning.
 */
import * as tf from '@tensorflow/tfjs';
import { featureCount, type Network } from './architectures';
import { glorotUniformParams } from './init';
import { copyLayout } from './layout';
import { checkBatch, evaluateInChunks, oneHot, readVariables, writeVariables } from './batch-tensors';
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
    return readVariables(this.variables, this.entries, this.numParams);
  }

  setParams(p: Float32Array): void {
    this.assertUsable();
    writeVariables(this.variables, this.entries, p);
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
    return evaluateInChunks(data, this.shape(), this.lossKind, chunkSize, (x) => this.scores(x, false));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.model.dispose();
  }

  private scores(x: tf.Tensor2D, training: boolean): tf.Tensor2D {
    return this.model.apply(x, { training }) as tf.Tensor2D;
  }

  private oneHot(labels: ArrayLike<number>, count: number): tf.Tensor2D {
    return oneHot(labels, count, this.numClasses);
  }

  private shape() {
    return { features: this.features, numClasses: this.numClasses, inputShape: this.inputShape };
  }

  private checkBatch(batch: Batch, what: string): void {
    checkBatch(batch, this.shape(), what);
  }

  private assertUsable(): void {
    if (this.disposed) throw new Error(`${this.kind} model has been disposed`);
  }
}
