/**
 * The papers' networks (MobileNet v1, MobileNetV3-small, ResNet-18) on the native engine: a graph
 * of oneDNN operations (native/src/graph.h) with the tfjs PaperFlatModel's layout, initial
 * parameters, batch-norm rule (batch statistics in training; in evaluation population statistics
 * recomputed from the calibration rows, or from the evaluated data without them) and dropout masks
 * (the same seeded mask, drawn here and passed in).
 */
import { assertFinite } from '../tensor';
import { featureCount } from '../models/architectures';
import { checkBatch, checkChunkSize, type BatchShape } from '../models/batch-check';
import { copyLayout } from '../models/layout';
import { CALIBRATION_CHUNK, statisticsFromSums } from '../models/paper/calibration';
import { addChannelSums, type ChannelSums } from '../models/paper/net';
import { batchHash } from '../models/paper/paper-model';
import { paperInitialParams } from '../models/paper/param-init';
import type { Batch, FlatModel, LayoutEntry, ModelKind, ModelSpec } from '../models/types';
import { loadNativeEngine, type NativeAddon } from './addon';
import { evaluateInChunks } from './chunked-evaluation';
import { paperGraph } from './paper-graphs';
import type { PaperGraph } from './paper-graph';

const DEFAULT_EVAL_CHUNK = 256;
const OP_FIELDS = 10;
const BATCH_NORM_OP = 1;

/** A batch-norm node: its name, the values per channel of one sample, and where its statistics sit. */
interface BatchNormSlot {
  name: string;
  channels: number;
  pixels: number;
  offset: number;
}

function batchNormSlots(graph: PaperGraph): BatchNormSlot[] {
  const names = graph.layout.filter((e) => e.name.endsWith('/gamma')).map((e) => e.name.slice(0, -'/gamma'.length));
  const slots: BatchNormSlot[] = [];
  let offset = 0;
  for (let i = 0; i < graph.ops.length; i += OP_FIELDS) {
    if (graph.ops[i] !== BATCH_NORM_OP) continue;
    const channels = graph.ops[i + 5];
    slots.push({ name: names[slots.length], channels, pixels: graph.ops[i + 3] * graph.ops[i + 4], offset });
    offset += 2 * channels;
  }
  return slots;
}

export class NativePaperModel implements FlatModel {
  readonly numParams: number;
  private readonly addon: NativeAddon;
  private readonly handle: unknown;
  private readonly graph: PaperGraph;
  private readonly slots: BatchNormSlot[];
  private readonly statsSize: number;
  private readonly shape: BatchShape;
  private readonly params: Float32Array;
  private calibration: Batch | undefined;
  private calibratedStats: Float32Array | undefined;
  private disposed = false;

  constructor(
    readonly kind: ModelKind,
    graph: PaperGraph,
    inputShape: [number, number, number],
    numClasses: number,
  ) {
    const { engine, reason } = loadNativeEngine();
    if (engine === undefined) throw new Error(`native engine unavailable: ${reason}`);
    this.graph = graph;
    this.addon = engine.addon;
    this.handle = this.addon.createGraph(graph.ops, Int32Array.from(inputShape), numClasses);
    const [params, statsSize] = this.addon.graphSizes(this.handle);
    if (params !== this.graph.numParams) throw new Error(`native ${kind} graph has ${params} parameters, its layout ${this.graph.numParams}`);
    this.numParams = params;
    this.statsSize = statsSize;
    this.slots = batchNormSlots(this.graph);
    this.shape = { features: featureCount(inputShape), numClasses, inputShape };
    this.params = new Float32Array(this.numParams);
  }

  layout(): LayoutEntry[] {
    return copyLayout(this.graph.layout);
  }

  initialParams(seed: number): Float32Array {
    return paperInitialParams(this.graph.layout, this.graph.inits, this.numParams, seed);
  }

  getParams(): Float32Array {
    this.assertUsable();
    return this.params.slice();
  }

  setParams(p: Float32Array): void {
    this.assertUsable();
    if (p.length !== this.numParams) throw new Error(`params length ${p.length} does not match model parameter count ${this.numParams}`);
    assertFinite(p, 'params');
    this.params.set(p);
    this.calibratedStats = undefined;
  }

  /** Fixes the rows whose statistics batch norm uses in evaluate (e.g. the first 512 of a shard). */
  setCalibration(batch: Batch): void {
    this.assertUsable();
    checkBatch(batch, this.shape, 'calibration');
    this.calibration = { x: Float32Array.from(batch.x), y: Uint8Array.from(batch.y), count: batch.count };
    this.calibratedStats = undefined;
  }

  gradient(batch: Batch): { loss: number; grad: Float32Array } {
    this.assertUsable();
    checkBatch(batch, this.shape, 'batch');
    const grad = new Float32Array(this.numParams);
    const dropout = this.graph.dropout;
    const mask = dropout === undefined ? null : dropout.scaledMask(batchHash(batch), dropout.size * batch.count);
    const loss = this.addon.graphGradient(this.handle, this.params, batch.x, batch.count, Int32Array.from(batch.y), grad, mask);
    return { loss, grad };
  }

  evaluate(data: Batch, chunkSize = DEFAULT_EVAL_CHUNK): { loss: number; accuracy: number } {
    this.assertUsable();
    checkBatch(data, this.shape, 'data');
    checkChunkSize(chunkSize);
    // Without calibration rows the evaluated data's own statistics are used (not cached).
    let stats: Float32Array;
    if (this.calibration === undefined) stats = this.populationStats(data);
    else stats = this.calibratedStats ??= this.populationStats(this.calibration);
    return evaluateInChunks(data, Int32Array.from(data.y), this.shape.features, chunkSize,
      (x, labels, count) => this.addon.graphEvaluate(this.handle, this.params, x, count, labels, stats));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.addon.destroyGraph(this.handle);
  }

  /** Precise BN as models/paper/calibration.ts: training-mode passes in fixed chunks, sums of x and x², then mean and variance. */
  private populationStats(rows: Batch): Float32Array {
    const sums = new Map<string, ChannelSums>();
    const batchStats = new Float32Array(this.statsSize);
    const features = this.shape.features;
    for (let start = 0; start < rows.count; start += CALIBRATION_CHUNK) {
      const count = Math.min(CALIBRATION_CHUNK, rows.count - start);
      this.addon.graphBatchStatistics(this.handle, this.params, rows.x.subarray(start * features, (start + count) * features), count, batchStats);
      for (const s of this.slots) {
        const mean = batchStats.subarray(s.offset, s.offset + s.channels);
        addChannelSums(sums, s.name, mean, batchStats.subarray(s.offset + s.channels, s.offset + 2 * s.channels), count * s.pixels);
      }
    }
    const stats = new Float32Array(this.statsSize);
    const population = statisticsFromSums(sums);
    for (const s of this.slots) {
      const { mean, variance } = population.get(s.name)!;
      stats.set(mean, s.offset);
      stats.set(variance, s.offset + s.channels);
    }
    return stats;
  }

  private assertUsable(): void {
    if (this.disposed) throw new Error(`${this.kind} model has been disposed`);
  }
}

/** A native paper model of the given kind, starting from the seeded initial parameters. */
export function createNativePaperModel(kind: ModelKind, spec: ModelSpec): NativePaperModel {
  const s = spec.inputShape;
  if (s.length !== 3) throw new Error(`${kind} inputShape must be [height, width, channels], got [${s.join(', ')}]`);
  const inputShape: [number, number, number] = [s[0], s[1], s[2]];
  const model = new NativePaperModel(kind, paperGraph(kind, inputShape, spec.numClasses), inputShape, spec.numClasses);
  model.setParams(model.initialParams(spec.seed ?? 0));
  return model;
}
