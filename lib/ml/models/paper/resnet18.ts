/**
 * ResNet-18 in its CIFAR form (11,173,962 parameters on 32×32×3, 10 classes): a 3×3 stem at
 * stride 1 without max pooling, four stages of two basic blocks, global average pooling, dense.
 */
import * as tf from '@tensorflow/tfjs';
import { globalAveragePool, relu, type Net } from './net';

/** Channels and stride of each stage's first block. */
export const STAGES: readonly [number, number][] = [[64, 1], [128, 2], [256, 2], [512, 2]];

function basicBlock(net: Net, name: string, x: tf.Tensor4D, filters: number, stride: number): tf.Tensor4D {
  let y = relu(net.batchNorm(`${name}/bn1`, net.conv(`${name}/conv1`, x, { filters, kernel: 3, stride })));
  y = net.batchNorm(`${name}/bn2`, net.conv(`${name}/conv2`, y, { filters, kernel: 3 }));
  const reshaped = stride !== 1 || x.shape[3] !== filters;
  const shortcut = reshaped ? net.batchNorm(`${name}/shortcut_bn`, net.conv(`${name}/shortcut`, x, { filters, kernel: 1, stride })) : x;
  return relu(tf.add(y, shortcut));
}

export function resNet18(net: Net, image: tf.Tensor4D, numClasses: number): tf.Tensor2D {
  let x = relu(net.batchNorm('stem/bn', net.conv('stem/conv', image, { filters: 64, kernel: 3 })));
  STAGES.forEach(([filters, stride], stage) => {
    x = basicBlock(net, `stage${stage + 1}/block1`, x, filters, stride);
    x = basicBlock(net, `stage${stage + 1}/block2`, x, filters, 1);
  });
  return net.dense('classifier', globalAveragePool(x), numClasses);
}
