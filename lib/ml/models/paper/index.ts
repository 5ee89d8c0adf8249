/** The papers' CIFAR-10 networks as FlatModels: which forward function each kind uses. */
import type { ModelKind, ModelSpec } from '../types';
import { mobileNet } from './mobilenet';
import { mobileNetV3Small } from './mobilenetv3-small';
import { PaperFlatModel, type Forward } from './paper-model';
import { resNet18 } from './resnet18';

export const PAPER_MODELS: Partial<Record<ModelKind, Forward>> = {
  mobilenet: mobileNet,
  'mobilenetv3-small': mobileNetV3Small,
  resnet18: resNet18,
};

export function isPaperModel(kind: ModelKind): boolean {
  return PAPER_MODELS[kind] !== undefined;
}

export function createPaperModel(kind: ModelKind, spec: ModelSpec): PaperFlatModel {
  const forward = PAPER_MODELS[kind];
  if (forward === undefined) throw new Error(`${kind} is not one of the papers' networks`);
  const shape = spec.inputShape;
  if (shape.length !== 3) throw new Error(`${kind} inputShape must be [height, width, channels], got [${shape.join(', ')}]`);
  return new PaperFlatModel(kind, forward, [shape[0], shape[1], shape[2]], spec.numClasses);
}
