/**
 * FlatModel on the native engine (native/, oneDNN + OpenBLAS): the same layout and seeded initial
 * parameters as the tfjs models (models/init.ts), only gradient and evaluate run natively. The
 * parameters live in one Float32Array that the addon reads in place.
 */
import { assertFinite } from '../tensor';
import { featureCount } from '../models/architectures';
import { checkBatch, checkChunkSize } from '../models/batch-check';
import { glorotUniformParams } from '../models/init';
import { copyLayout } from '../models/layout';
import type { Batch, FlatModel, LayoutEntry, ModelKind, ModelSpec } from '../models/types';
import { loadNativeEngine, type NativeAddon } from './addon';
import { evaluateInChunks } from './chunked-evaluation';
import { nativeNetworkSpec } from './network-spec';

const DEFAULT_EVAL_CHUNK = 1024;

function asInt32(labels: Uint8Array | Int32Array): Int32Array {
  return labels instanceof Int32Array ? labels : Int32Array.from(labels);
}

export class NativeFlatModel implements FlatModel {
  readonly numParams: number;
  private readonly addon: NativeAddon;
  private readonly handle: unknown;
  private readonly entries: LayoutEntry[];
  private readonly features: number;
  private readonly params: Float32Array;
  private disposed = false;

  constructor(
    readonly kind: ModelKind,
    private readonly spec: ModelSpec,
  ) {
    const { engine, reason } = loadNativeEngine();
    if (engine === undefined) throw new Error(`native engine unavailable: ${reason}`);
    const network = nativeNetworkSpec(kind, spec);
    this.addon = engine.addon;
    this.handle = this.addon.create(network.layers, network.loss, spec.numClasses);
    if (this.addon.numParams(this.handle) !== network.numParams) {
      throw new Error(`native ${kind} network has ${this.addon.numParams(this.handle)} parameters, its layout ${network.numParams}`);
    }
    this.entries = network.layout;
    this.numParams = network.numParams;
    this.features = featureCount(spec.inputShape);
    this.params = new Float32Array(this.numParams);
  }

  layout(): LayoutEntry[] {
    return copyLayout(this.entries);
  }

  initialParams(seed: number): Float32Array {
    return glorotUniformParams(this.entries, this.numParams, seed);
  }

  getParams(): Float32Array {
    this.assertUsable();
    return this.params.slice();
  }

  setParams(p: Float32Array): void {
    this.assertUsable();
    if (p.length !== this.numParams) {
      throw new Error(`params length ${p.length} does not match model parameter count ${this.numParams}`);
    }
    assertFinite(p, 'params');
    this.params.set(p);
  }

  gradient(batch: Batch): { loss: number; grad: Float32Array } {
    this.assertUsable();
    this.checkBatch(batch, 'batch');
    const grad = new Float32Array(this.numParams);
    const loss = this.addon.gradient(this.handle, this.params, batch.x, asInt32(batch.y), batch.count, grad);
    return { loss, grad };
  }

  evaluate(data: Batch, chunkSize = DEFAULT_EVAL_CHUNK): { loss: number; accuracy: number } {
    this.assertUsable();
    this.checkBatch(data, 'data');
    checkChunkSize(chunkSize);
    return evaluateInChunks(data, asInt32(data.y), this.features, chunkSize,
      (x, labels, count) => this.addon.evaluate(this.handle, this.params, x, labels, count));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.addon.destroy(this.handle);
  }

  private checkBatch(batch: Batch, what: string): void {
    checkBatch(batch, { features: this.features, numClasses: this.spec.numClasses, inputShape: this.spec.inputShape }, what);
  }

  private assertUsable(): void {
    if (this.disposed) throw new Error(`${this.kind} model has been disposed`);
  }
}

/** A native model of the given kind, starting from the seeded initial parameters. */
export function createNativeModel(kind: ModelKind, spec: ModelSpec): FlatModel {
  const model = new NativeFlatModel(kind, spec);
  model.setParams(model.initialParams(spec.seed ?? 0));
  return model;
}
