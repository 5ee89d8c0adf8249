/**
 * MobileNetV3-small in torchvision's layout (1,528,106 parameters on 32×32×3, 10 classes):
 * inverted-residual blocks with optional squeeze-and-excitation, hard-swish, and a two-layer
 * classifier with dropout 0.2.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng, deriveSeed } from '../../random';
import { globalAveragePool, hardSigmoid, hardSwish, relu, type Net } from './net';

export interface BlockConfig {
  kernel: number;
  expanded: number;
  out: number;
  se: boolean;
  hardSwish: boolean;
  stride: number;
}

// in → (kernel, expanded, out, SE, activation, stride), as torchvision's table.
export const BLOCKS: readonly BlockConfig[] = [
  [3, 16, 16, true, false, 2], [3, 72, 24, false, false, 2], [3, 88, 24, false, false, 1],
  [5, 96, 40, true, true, 2], [5, 240, 40, true, true, 1], [5, 240, 40, true, true, 1],
  [5, 120, 48, true, true, 1], [5, 144, 48, true, true, 1], [5, 288, 96, true, true, 2],
  [5, 576, 96, true, true, 1], [5, 576, 96, true, true, 1],
].map(([kernel, expanded, out, se, hs, stride]) => ({
  kernel: kernel as number, expanded: expanded as number, out: out as number, se: se as boolean, hardSwish: hs as boolean, stride: stride as number,
}));

export const DROPOUT = 0.2;

/** torchvision's _make_divisible(v, 8): nearest multiple of 8, at least 8, never below 90% of v. */
export function squeezeChannels(expanded: number): number {
  const v = expanded / 4;
  const rounded = Math.max(8, Math.floor((v + 4) / 8) * 8);
  return rounded < 0.9 * v ? rounded + 8 : rounded;
}

function squeezeExcite(net: Net, name: string, x: tf.Tensor4D): tf.Tensor4D {
  const channels = x.shape[3];
  const pooled = tf.mean(x, [1, 2], true) as tf.Tensor4D;
  const squeezed = relu(net.conv(`${name}/reduce`, pooled, { filters: squeezeChannels(channels), kernel: 1, bias: true }));
  const gate = hardSigmoid(net.conv(`${name}/expand`, squeezed, { filters: channels, kernel: 1, bias: true }));
  return tf.mul(x, gate);
}

function invertedResidual(net: Net, name: string, x: tf.Tensor4D, b: BlockConfig): tf.Tensor4D {
  const act = (t: tf.Tensor4D): tf.Tensor4D => (b.hardSwish ? hardSwish(t) : relu(t));
  let y = x;
  if (b.expanded !== x.shape[3]) y = act(net.batchNorm(`${name}/expand_bn`, net.conv(`${name}/expand`, y, { filters: b.expanded, kernel: 1 })));
  y = act(net.batchNorm(`${name}/dw_bn`, net.depthwise(`${name}/dw`, y, b.kernel, b.stride)));
  if (b.se) y = squeezeExcite(net, `${name}/se`, y);
  y = net.batchNorm(`${name}/project_bn`, net.conv(`${name}/project`, y, { filters: b.out, kernel: 1 }));
  return b.stride === 1 && x.shape[3] === b.out ? tf.add(x, y) : y;
}

/** Keep-mask (1 keeps, 0 drops) from our seeded RNG, so every process draws the same one. */
export function dropoutMask(seed: number, size: number): Float32Array {
  const rng = createRng(deriveSeed(seed, 0x0d0d));
  return Float32Array.from({ length: size }, () => (rng.next() < DROPOUT ? 0 : 1));
}

export function mobileNetV3Small(net: Net, image: tf.Tensor4D, numClasses: number): tf.Tensor2D {
  let x = hardSwish(net.batchNorm('stem/bn', net.conv('stem/conv', image, { filters: 16, kernel: 3, stride: 2 })));
  BLOCKS.forEach((block, index) => {
    x = invertedResidual(net, `block${index + 1}`, x, block);
  });
  x = hardSwish(net.batchNorm('last/bn', net.conv('last/conv', x, { filters: 576, kernel: 1 })));
  const features = hardSwish(net.dense('classifier/hidden', globalAveragePool(x), 1024));
  return net.dense('classifier/output', net.dropout(features, DROPOUT, dropoutMask), numClasses);
}
