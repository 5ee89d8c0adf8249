/**
 * The tf.layers networks behind each model kind. Every network takes flat rows [count, features]
 * and outputs raw class scores; the loss (losses.ts) applies softmax or the hinge. Layers are
 * named explicitly because the flat layout's names come from them. Kernels start at zero: the
 * real initial values come from our seeded initialiser, so tfjs's unseeded one is never used.
 */
import * as tf from '@tensorflow/tfjs';
import type { LossKind } from './losses';
import type { ModelKind, ModelSpec } from './types';

export interface Network {
  model: tf.Sequential;
  loss: LossKind;
}

const ZERO_INIT = { kernelInitializer: 'zeros', biasInitializer: 'zeros' } as const;

export function featureCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function linearClassifier(spec: ModelSpec): tf.Sequential {
  return tf.sequential({
    layers: [tf.layers.dense({ inputShape: [featureCount(spec.inputShape)], units: spec.numClasses, name: 'linear', ...ZERO_INIT })],
  });
}

function multiLayerPerceptron(spec: ModelSpec): tf.Sequential {
  const hidden = spec.hiddenUnits ?? [128];
  const layers: tf.layers.Layer[] = hidden.map((units, index) =>
    tf.layers.dense({
      ...(index === 0 ? { inputShape: [featureCount(spec.inputShape)] } : {}),
      units,
      activation: 'relu',
      name: `hidden${index + 1}`,
      ...ZERO_INIT,
    }),
  );
  layers.push(
    tf.layers.dense({
      ...(hidden.length === 0 ? { inputShape: [featureCount(spec.inputShape)] } : {}),
      units: spec.numClasses,
      name: 'output',
      ...ZERO_INIT,
    }),
  );
  return tf.sequential({ layers });
}

/** [h, w, c] for image inputs; a flat square length n·n is read as one channel n×n. */
export function imageShape(inputShape: readonly number[]): [number, number, number] {
  if (inputShape.length === 3) return [inputShape[0], inputShape[1], inputShape[2]];
  const side = Math.round(Math.sqrt(inputShape[0]));
  if (inputShape.length === 1 && side * side === inputShape[0]) return [side, side, 1];
  throw new Error(`cnn inputShape must be [height, width, channels] or a square [n*n], got [${inputShape.join(', ')}]`);
}

/**
 * conv8 3×3 → maxpool 2 → conv16 3×3 → maxpool 2 → flatten → dense (5,258 parameters on 28×28×1).
 * The convolutions must keep a non-linear activation: with 'linear' tfjs takes its fused conv path,
 * whose gradient calls Conv2DBackpropFilter directly and bypasses our replacement (conv2d-grad.ts).
 */
function smallConvNet(spec: ModelSpec): tf.Sequential {
  const [height, width, channels] = imageShape(spec.inputShape);
  const pooledHeight = Math.floor((Math.floor((height - 2) / 2) - 2) / 2);
  const pooledWidth = Math.floor((Math.floor((width - 2) / 2) - 2) / 2);
  if (pooledHeight < 1 || pooledWidth < 1) {
    throw new Error(`cnn inputShape [${height}, ${width}, ${channels}] is too small: need at least 10×10`);
  }
  return tf.sequential({
    layers: [
      tf.layers.reshape({ inputShape: [height * width * channels], targetShape: [height, width, channels], name: 'image' }),
      tf.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', padding: 'valid', name: 'conv1', ...ZERO_INIT }),
      tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: 'pool1' }),
      tf.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', padding: 'valid', name: 'conv2', ...ZERO_INIT }),
      tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: 'pool2' }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ units: spec.numClasses, name: 'output', ...ZERO_INIT }),
    ],
  });
}

export function buildNetwork(kind: ModelKind, spec: ModelSpec): Network {
  switch (kind) {
    case 'lr':
      return { model: linearClassifier(spec), loss: 'softmax-cross-entropy' };
    case 'svm':
      return { model: linearClassifier(spec), loss: 'crammer-singer-hinge' };
    case 'mlp':
      return { model: multiLayerPerceptron(spec), loss: 'softmax-cross-entropy' };
    case 'cnn':
      return { model: smallConvNet(spec), loss: 'softmax-cross-entropy' };
    default:
      throw new Error(`${kind} is not a tf.layers network (see models/paper)`);
  }
}
