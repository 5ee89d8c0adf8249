/**
 * Entry point for models: createModel builds a FlatModel of the given kind, starting from the
 * seeded initial parameters. Loss choices: lr, mlp and cnn use softmax cross-entropy; svm uses
 * the Crammer–Singer multi-class hinge (regularise it with the optimiser's weightDecay).
 */
import { currentBackend } from './backend';
import { buildNetwork } from './models/architectures';
import { LayersFlatModel } from './models/layers-model';
import { createNativeModel } from './native/native-model';
import { createNativePaperModel } from './native/native-paper-model';
import { createPaperModel, isPaperModel } from './models/paper';
import { MODEL_KINDS, type FlatModel, type ModelKind, type ModelSpec } from './models/types';

export type { Batch, FlatModel, LayoutEntry, ModelKind, ModelSpec } from './models/types';
export { MODEL_KINDS } from './models/types';

function checkSpec(kind: ModelKind, spec: ModelSpec): void {
  if (!MODEL_KINDS.includes(kind)) throw new Error(`model kind must be one of ${MODEL_KINDS.join(', ')}, got '${kind}'`);
  const { inputShape, numClasses, hiddenUnits, seed } = spec;
  if (!Array.isArray(inputShape) || inputShape.length === 0 || !inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`inputShape must be a non-empty list of positive integers, got ${JSON.stringify(inputShape)}`);
  }
  if (!Number.isInteger(numClasses) || numClasses < 2) throw new Error(`numClasses must be an integer ≥ 2, got ${numClasses}`);
  if (hiddenUnits !== undefined) {
    if (kind !== 'mlp') throw new Error(`hiddenUnits applies only to mlp, not ${kind}`);
    if (!Array.isArray(hiddenUnits) || !hiddenUnits.every((u) => Number.isInteger(u) && u > 0)) {
      throw new Error(`hiddenUnits must be a list of positive integers, got ${JSON.stringify(hiddenUnits)}`);
    }
  }
  if (seed !== undefined && !Number.isSafeInteger(seed)) throw new Error(`seed must be a safe integer, got ${seed}`);
}

export function createModel(kind: ModelKind, spec: ModelSpec): FlatModel {
  checkSpec(kind, spec);
  if (currentBackend() === undefined) {
    // Without it tfjs may pick cpu silently, and CNN gradients fail on wasm.
    throw new Error('call initBackend() (lib/ml/backend) before createModel()');
  }
  if (currentBackend()?.name === 'native') return isPaperModel(kind) ? createNativePaperModel(kind, spec) : createNativeModel(kind, spec);
  const model = isPaperModel(kind) ? createPaperModel(kind, spec) : new LayersFlatModel(kind, buildNetwork(kind, spec), [...spec.inputShape], spec.numClasses);
  model.setParams(model.initialParams(spec.seed ?? 0));
  return model;
}
