/**
 * A replacement gradient for tfjs's Conv2D kernel. The wasm backend has no Conv2DBackpropFilter
 * kernel, so CNN training fails there with the stock gradient; the cpu backend has one but it is
 * very slow. Both gradients are rewritten as forward convolutions or matrix products, the fastest
 * kernels everywhere:
 *   - filter gradient: the (padded) input, transposed so that the batch becomes the channel axis,
 *     convolved with the output gradient as the filter (dilated by the stride); a 1×1 kernel is
 *     one matrix product of the (strided) input and the output gradient;
 *   - input gradient: the output gradient, dilated by the stride and padded to a 'full'
 *     convolution, convolved with the filter rotated 180° and its channel axes swapped; for a 1×1
 *     stride-1 kernel, a matrix product. (wasm's Conv2DBackpropInput, which conv2dTranspose uses,
 *     is correct but ~7× slower: 10.5 ms vs 1.5 ms on the CNN's conv2.)
 * Supported: NHWC, any equal stride along height and width, dilation 1, padding 'valid' or 'same'.
 */
import * as tf from '@tensorflow/tfjs';
import { forwardPadding, fullCorrelationInput, padSpatial, singleValue, type Pad } from './conv-geometry';

interface Conv2DAttrs {
  strides: number | [number, number];
  pad: unknown;
  dataFormat?: string;
  dilations?: number | [number, number];
}

export interface ConvSettings {
  pad: Pad;
  stride: number;
}

const SUPPORTED = 'supported: NHWC, equal strides, dilation 1, padding valid or same';

/** Checks the attributes and returns padding and stride, or throws naming the unsupported setting. */
export function supportedConv2dSettings(attrs: Conv2DAttrs, op = 'Conv2D'): ConvSettings {
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') {
    throw new Error(`${op} gradient: dataFormat ${attrs.dataFormat} is not supported (${SUPPORTED})`);
  }
  const stride = singleValue(attrs.strides, `${op} gradient: strides`, SUPPORTED);
  if (singleValue(attrs.dilations, `${op} gradient: dilations`, SUPPORTED) !== 1) {
    throw new Error(`${op} gradient: dilations ${JSON.stringify(attrs.dilations)} are not supported (${SUPPORTED})`);
  }
  if (attrs.pad !== 'valid' && attrs.pad !== 'same') {
    throw new Error(`${op} gradient: padding ${JSON.stringify(attrs.pad)} is not supported (${SUPPORTED})`);
  }
  return { pad: attrs.pad, stride };
}

/** The input rows each output position reads at kernel offset (kh, kw), as [n, oh, ow, c]. */
export function tapSlice(padded: tf.Tensor4D, kh: number, kw: number, out: [number, number], stride: number): tf.Tensor4D {
  const [n, , , c] = padded.shape;
  const end = [n, kh + (out[0] - 1) * stride + 1, kw + (out[1] - 1) * stride + 1, c];
  return tf.stridedSlice(padded, [0, kh, kw, 0], end, [1, stride, stride, 1]) as tf.Tensor4D;
}

/** 1×1 kernel: dW = xᵀ·dy over all n·oh·ow positions, the transpose materialised (faster on wasm). */
function pointwiseFilterGradient(padded: tf.Tensor4D, dy: tf.Tensor4D, stride: number): tf.Tensor4D {
  const [n, oh, ow, co] = dy.shape;
  const taps = stride === 1 ? padded : tapSlice(padded, 0, 0, [oh, ow], stride);
  const ci = padded.shape[3];
  const xt = tf.transpose(tf.reshape(taps, [n * oh * ow, ci]));
  return tf.reshape(tf.matMul(xt, tf.reshape(dy, [n * oh * ow, co])), [1, 1, ci, co]);
}

/**
 * dL/dfilter[kh,kw,ci,co] = sum over n,oh,ow of xPadded[n,oh·s+kh,ow·s+kw,ci] · dy[n,oh,ow,co]: a
 * 'valid' convolution of xPadded as [ci, H, W, n] with dy as the filter [oh, ow, n, co] dilated by s.
 */
export function conv2dFilterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number], settings: ConvSettings): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw] = filterShape;
    const { pad, stride } = settings;
    const padded = padSpatial(x, forwardPadding(pad, [x.shape[1], x.shape[2]], [kh, kw], stride));
    if (kh === 1 && kw === 1) return pointwiseFilterGradient(padded, dy, stride);
    const channelsAsBatch = tf.transpose(padded, [3, 1, 2, 0]);
    const dyAsFilter = tf.transpose(dy, [1, 2, 0, 3]);
    const result = tf.conv2d(channelsAsBatch, dyAsFilter, 1, 'valid', 'NHWC', stride); // [ci, ≥kh, ≥kw, co]
    const cropped = result.shape[1] === kh && result.shape[2] === kw ? result : tf.slice(result, [0, 0, 0, 0], [-1, kh, kw, -1]);
    return tf.transpose(cropped, [1, 2, 0, 3]);
  });
}

/**
 * dL/dx[n,i,j,ci] = sum over kh,kw,co of dy[n,oh,ow,co]·filter[kh,kw,ci,co] where oh·s+kh−top = i
 * (and likewise for j): a 'valid' convolution of dy, dilated and padded to a 'full' correlation,
 * with the filter flipped in both spatial axes and transposed to [kh, kw, co, ci].
 */
export function conv2dInputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, inShape: [number, number], settings: ConvSettings): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, ci, co] = filter.shape;
    const { pad, stride } = settings;
    if (kh === 1 && kw === 1 && stride === 1) {
      const [n, h, w] = dy.shape;
      const rows = tf.matMul(tf.reshape(dy, [n * h * w, co]), tf.transpose(tf.reshape(filter, [ci, co])));
      return tf.reshape(rows, [n, h, w, ci]);
    }
    const p = forwardPadding(pad, inShape, [kh, kw], stride);
    const full = fullCorrelationInput(dy, inShape, [kh, kw], p, stride);
    const rotated = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
    return tf.conv2d(full, rotated, 1, 'valid');
  });
}

export const conv2dGradConfig: tf.GradConfig = {
  kernelName: 'Conv2D',
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const settings = supportedConv2dSettings(attrs as unknown as Conv2DAttrs);
    const outputGradient = dy as tf.Tensor4D;
    return {
      x: () => conv2dInputGradient(outputGradient, filter, [x.shape[1], x.shape[2]], settings),
      filter: () => conv2dFilterGradient(x, outputGradient, filter.shape, settings),
    };
  },
};

let registered = false;

/** Replaces tfjs's Conv2D gradient globally (all backends); idempotent. */
export function registerConv2dGradient(): void {
  if (registered) return;
  tf.registerGradient(conv2dGradConfig);
  registered = true;
}
