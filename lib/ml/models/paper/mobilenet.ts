/**
 * MobileNet v1 in its CIFAR form (3,217,226 parameters on 32×32×3, 10 classes): a 3×3 stem at
 * stride 1, then 13 depthwise-separable blocks, global average pooling and one dense layer.
 */
import * as tf from '@tensorflow/tfjs';
import { globalAveragePool, relu, type Net } from './net';

/** Output channels and stride of the 13 blocks. */
export const BLOCKS: readonly [number, number][] = [
  [64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2],
  [512, 1], [512, 1], [512, 1], [512, 1], [512, 1], [1024, 2], [1024, 1],
];

export function mobileNet(net: Net, image: tf.Tensor4D, numClasses: number): tf.Tensor2D {
  let x = relu(net.batchNorm('stem/bn', net.conv('stem/conv', image, { filters: 32, kernel: 3 })));
  BLOCKS.forEach(([filters, stride], index) => {
    const name = `block${index + 1}`;
    x = relu(net.batchNorm(`${name}/dw_bn`, net.depthwise(`${name}/dw`, x, 3, stride)));
    x = relu(net.batchNorm(`${name}/pw_bn`, net.conv(`${name}/pw`, x, { filters, kernel: 1 })));
  });
  return net.dense('classifier', globalAveragePool(x), numClasses);
}
