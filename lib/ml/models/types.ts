/** The model contract the training frameworks program against: parameters as one flat vector. */

export type ModelKind = 'lr' | 'svm' | 'mlp' | 'cnn' | 'mobilenet' | 'mobilenetv3-small' | 'resnet18';

export const MODEL_KINDS: readonly ModelKind[] = ['lr', 'svm', 'mlp', 'cnn', 'mobilenet', 'mobilenetv3-small', 'resnet18'];

export interface ModelSpec {
  /** Shape of one sample, e.g. [784] or [28, 28, 1]; batches always carry it flattened. */
  inputShape: number[];
  numClasses: number;
  /** mlp only: hidden layer widths (default [128]). */
  hiddenUnits?: number[];
  /** Seed of the initial parameters (default 0); see FlatModel.initialParams. */
  seed?: number;
}

/** `x` is count × features, row-major; `y` holds class indices. */
export interface Batch {
  x: Float32Array;
  y: Uint8Array | Int32Array;
  count: number;
}

export interface LayoutEntry {
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

export interface FlatModel {
  kind: ModelKind;
  numParams: number;
  /** Stable flat order: layer order, kernel then bias. */
  layout(): LayoutEntry[];
  /** Deterministic from our seeded RNG: Glorot-uniform kernels, zero biases. */
  initialParams(seed: number): Float32Array;
  getParams(): Float32Array;
  setParams(p: Float32Array): void;
  /** Mean loss over the batch and its gradient with respect to the parameters, in layout order. */
  gradient(batch: Batch): { loss: number; grad: Float32Array };
  evaluate(data: Batch, chunkSize?: number): { loss: number; accuracy: number };
  /**
   * Models with batch norm only: the fixed rows (e.g. the first 512 of a worker's shard) whose
   * statistics evaluate uses, recomputed for the current parameters ("precise BN"). Without
   * them evaluate uses the evaluated data's own statistics. Not model state: never sent.
   */
  setCalibration?(batch: Batch): void;
  dispose(): void;
}
