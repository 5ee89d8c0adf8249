/**
 * A gradient for tfjs's DepthwiseConv2dNative kernel built from kernels the wasm backend has (it
 * lacks both DepthwiseConv2dNativeBackpropFilter and ...BackpropInput):
 *   - input gradient: the output gradient dilated by the stride and padded to a 'full'
 *     correlation, depthwise-convolved with the filter flipped in both spatial axes;
 *   - filter gradient: a depthwise convolution of the input (samples folded into channels) with
 *     the output gradient as the filter, summed over the samples.
 * Supported: NHWC, channel multiplier 1 (MobileNet's depthwise layers), equal strides, dilation 1,
 * padding 'valid' or 'same'.
 */
import * as tf from '@tensorflow/tfjs';
import { supportedConv2dSettings, type ConvSettings } from './conv2d-grad';
import { forwardPadding, fullCorrelationInput, padSpatial } from './conv-geometry';

interface DepthwiseAttrs {
  strides: number | [number, number];
  pad: unknown;
  dataFormat?: string;
  dilations?: number | [number, number];
}

function checkMultiplier(filter: tf.Tensor4D): void {
  if (filter.shape[3] !== 1) {
    throw new Error(`DepthwiseConv2dNative gradient: channel multiplier ${filter.shape[3]} is not supported (supported: 1)`);
  }
}

export function depthwiseInputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, inShape: [number, number], settings: ConvSettings): tf.Tensor4D {
  checkMultiplier(filter);
  return tf.tidy(() => {
    const [kh, kw] = filter.shape;
    const p = forwardPadding(settings.pad, inShape, [kh, kw], settings.stride);
    const full = fullCorrelationInput(dy, inShape, [kh, kw], p, settings.stride);
    return tf.depthwiseConv2d(full, tf.reverse(filter, [0, 1]) as tf.Tensor4D, 1, 'valid');
  });
}

/**
 * dL/dfilter[kh,kw,c,0] = sum over n,oh,ow of xPadded[n, oh·s+kh, ow·s+kw, c] · dy[n,oh,ow,c]: one
 * depthwise convolution over a single image whose n·c channels are the (sample, channel) pairs,
 * with dy as the filter (dilated by the stride), then a sum over the samples. (A strided slice and
 * a reduction per kernel tap was 4–80× slower on wasm.)
 */
export function depthwiseFilterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number], settings: ConvSettings): tf.Tensor4D {
  const [kh, kw, channels, multiplier] = filterShape;
  if (multiplier !== 1) throw new Error(`DepthwiseConv2dNative gradient: channel multiplier ${multiplier} is not supported (supported: 1)`);
  return tf.tidy(() => {
    const n = x.shape[0];
    const padded = padSpatial(x, forwardPadding(settings.pad, [x.shape[1], x.shape[2]], [kh, kw], settings.stride));
    const pairs = tf.reshape(tf.transpose(padded, [1, 2, 0, 3]), [1, padded.shape[1], padded.shape[2], n * channels]) as tf.Tensor4D;
    const dyAsFilter = tf.reshape(tf.transpose(dy, [1, 2, 0, 3]), [dy.shape[1], dy.shape[2], n * channels, 1]) as tf.Tensor4D;
    const result = tf.depthwiseConv2d(pairs, dyAsFilter, 1, 'valid', 'NHWC', settings.stride); // [1, ≥kh, ≥kw, n·c]
    const cropped = tf.slice(result, [0, 0, 0, 0], [1, kh, kw, -1]);
    return tf.reshape(tf.sum(tf.reshape(cropped, [kh, kw, n, channels]), 2), [kh, kw, channels, 1]);
  });
}

export const depthwiseGradConfig: tf.GradConfig = {
  kernelName: 'DepthwiseConv2dNative',
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const settings = supportedConv2dSettings(attrs as unknown as DepthwiseAttrs, 'DepthwiseConv2dNative');
    const outputGradient = dy as tf.Tensor4D;
    return {
      x: () => depthwiseInputGradient(outputGradient, filter, [x.shape[1], x.shape[2]], settings),
      filter: () => depthwiseFilterGradient(x, outputGradient, filter.shape, settings),
    };
  },
};

let registered = false;

/** Replaces tfjs's DepthwiseConv2dNative gradient globally (all backends); idempotent. */
export function registerDepthwiseGradient(): void {
  if (registered) return;
  tf.registerGradient(depthwiseGradConfig);
  registered = true;
}
