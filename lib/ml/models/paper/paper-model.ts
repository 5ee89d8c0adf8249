/**
 * FlatModel over the papers' networks (MobileNet v1, MobileNetV3-small, ResNet-18), written as
 * plain tfjs ops over named variables (net.ts). Batch norm trains on the batch's statistics and
 * evaluates on population statistics recomputed from the calibration rows (setCalibration) for
 * the current parameters; without calibration rows, from the evaluated data itself. Running
 * statistics are never model state, so getParams/paramsDigest cover the parameters only.
 */
import * as tf from '@tensorflow/tfjs';
import { featureCount } from '../architectures';
import { checkBatch, evaluateInChunks, oneHot, readVariables, writeVariables, type BatchShape } from '../batch-tensors';
import { perSampleLoss } from '../losses';
import type { Batch, FlatModel, LayoutEntry, ModelKind } from '../types';
import { copyLayout } from '../layout';
import { disposeStats, populationStatistics, type PopulationStats } from './calibration';
import { Net, type BatchNormMode, type ParamSpec } from './net';
import { paperInitialParams, type ParamInit } from './param-init';

export type Forward = (net: Net, image: tf.Tensor4D, numClasses: number) => tf.Tensor2D;

const DEFAULT_EVAL_CHUNK = 256;
// tfjs variable names are global: each model instance gets its own suffix.
let nextModelId = 0;

/** The parameters in order of first use, found by one forward pass over a single zero image. */
function declareParams(forward: Forward, inputShape: [number, number, number], numClasses: number): ParamSpec[] {
  const specs: ParamSpec[] = [];
  const source = {
    get(spec: ParamSpec): tf.Tensor {
      if (specs.some((s) => s.name === spec.name)) throw new Error(`parameter ${spec.name} is declared twice`);
      specs.push(spec);
      return tf.zeros(spec.shape);
    },
  };
  tf.tidy(() => forward(new Net(source, { kind: 'batch' }), tf.zeros<tf.Rank.R4>([1, ...inputShape]), numClasses));
  return specs;
}

/** FNV-1a over the batch's bytes: the dropout seed, equal for equal batches in every process. */
export function batchHash(batch: Batch): number {
  let h = 0x811c9dc5;
  const words = new Uint32Array(batch.x.buffer, batch.x.byteOffset, batch.x.length);
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i], 0x01000193);
  for (let i = 0; i < batch.count; i++) h = Math.imul(h ^ batch.y[i], 0x01000193);
  return h >>> 0;
}

export class PaperFlatModel implements FlatModel {
  readonly numParams: number;
  private readonly entries: LayoutEntry[];
  private readonly inits: ParamInit[];
  private readonly variables: tf.Variable[];
  private readonly byName: Map<string, tf.Variable>;
  private readonly shape: BatchShape;
  private calibration: Batch | undefined;
  private stats: PopulationStats | undefined;
  private disposed = false;

  constructor(
    readonly kind: ModelKind,
    private readonly forward: Forward,
    private readonly inputShape: [number, number, number],
    private readonly numClasses: number,
  ) {
    const specs = declareParams(forward, inputShape, numClasses);
    let offset = 0;
    this.entries = specs.map((s) => {
      const entry = { name: s.name, shape: [...s.shape], offset, size: featureCount(s.shape) };
      offset += entry.size;
      return entry;
    });
    this.numParams = offset;
    this.inits = specs.map((s) => s.init);
    this.variables = specs.map((s) => tf.variable(tf.zeros(s.shape), true, `${kind}/${s.name}#${nextModelId}`));
    nextModelId++;
    this.byName = new Map(specs.map((s, i) => [s.name, this.variables[i]]));
    this.shape = { features: featureCount(inputShape), numClasses, inputShape };
  }

  layout(): LayoutEntry[] {
    return copyLayout(this.entries);
  }

  initialParams(seed: number): Float32Array {
    return paperInitialParams(this.entries, this.inits, this.numParams, seed);
  }

  getParams(): Float32Array {
    this.assertUsable();
    return readVariables(this.variables, this.entries, this.numParams);
  }

  setParams(p: Float32Array): void {
    this.assertUsable();
    writeVariables(this.variables, this.entries, p);
    this.forgetStats();
  }

  /** Fixes the rows whose statistics batch norm uses in evaluate (e.g. the first 512 of a shard). */
  setCalibration(batch: Batch): void {
    this.assertUsable();
    checkBatch(batch, this.shape, 'calibration');
    this.calibration = { x: Float32Array.from(batch.x), y: Uint8Array.from(batch.y), count: batch.count };
    this.forgetStats();
  }

  gradient(batch: Batch): { loss: number; grad: Float32Array } {
    this.assertUsable();
    checkBatch(batch, this.shape, 'batch');
    const grad = new Float32Array(this.numParams);
    let loss = NaN;
    tf.tidy(() => {
      const x = tf.tensor2d(batch.x, [batch.count, this.shape.features], 'float32');
      const labels = oneHot(batch.y, batch.count, this.numClasses);
      const net = this.net({ kind: 'batch' }, batchHash(batch));
      const { value, grads } = tf.variableGrads(() => tf.mean(perSampleLoss('softmax-cross-entropy', this.scores(net, x), labels)) as tf.Scalar, this.variables);
      loss = value.dataSync()[0];
      this.variables.forEach((v, i) => grad.set(grads[v.name].dataSync() as Float32Array, this.entries[i].offset));
    });
    return { loss, grad };
  }

  evaluate(data: Batch, chunkSize = DEFAULT_EVAL_CHUNK): { loss: number; accuracy: number } {
    this.assertUsable();
    checkBatch(data, this.shape, 'data');
    // Without calibration rows the evaluated data's own statistics are used (not cached).
    const stats = this.calibration !== undefined ? this.calibratedStats(this.calibration) : this.computeStats(data);
    try {
      const net = this.net({ kind: 'population', stats });
      return evaluateInChunks(data, this.shape, 'softmax-cross-entropy', chunkSize, (x) => this.scores(net, x));
    } finally {
      if (stats !== this.stats) disposeStats(stats);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.forgetStats();
    tf.dispose(this.variables);
  }

  private calibratedStats(calibration: Batch): PopulationStats {
    if (this.stats === undefined) this.stats = this.computeStats(calibration);
    return this.stats;
  }

  private computeStats(rows: Batch): PopulationStats {
    return populationStatistics(rows.x, rows.count, this.shape.features, (x, sums) => {
      this.scores(this.net({ kind: 'record', sums }), x);
    });
  }

  private forgetStats(): void {
    disposeStats(this.stats);
    this.stats = undefined;
  }

  private net(mode: BatchNormMode, dropoutSeed?: number): Net {
    const source = {
      get: (spec: ParamSpec): tf.Tensor => {
        const v = this.byName.get(spec.name);
        if (v === undefined) throw new Error(`${this.kind}: unknown parameter ${spec.name}`);
        return v;
      },
    };
    return new Net(source, mode, dropoutSeed);
  }

  private scores(net: Net, x: tf.Tensor2D): tf.Tensor2D {
    return this.forward(net, tf.reshape(x, [x.shape[0], ...this.inputShape]) as tf.Tensor4D, this.numClasses);
  }

  private assertUsable(): void {
    if (this.disposed) throw new Error(`${this.kind} model has been disposed`);
  }
}
