/**
 * A replacement gradient for tfjs's Conv2D kernel. The wasm backend has no Conv2DBackpropFilter
 * kernel, so CNN training fails there with the stock gradient; the cpu backend has one but it is
 * very slow. Both gradients are rewritten as forward convolutions, the fastest kernel everywhere:
 *   - filter gradient: the (padded) input, transposed so that the batch becomes the channel axis,
 *     convolved with the output gradient as the filter;
 *   - input gradient: the output gradient, padded to a 'full' convolution, convolved with the
 *     filter rotated 180° and its channel axes swapped. (wasm's Conv2DBackpropInput, which
 *     conv2dTranspose uses, is correct but ~7× slower: 10.5 ms vs 1.5 ms on the CNN's conv2.)
 * Supported: NHWC, stride 1, dilation 1, padding 'valid' or 'same'. Anything else throws.
 */
import * as tf from '@tensorflow/tfjs';

type Pad = 'valid' | 'same';

interface Conv2DAttrs {
  strides: number | [number, number];
  pad: unknown;
  dataFormat?: string;
  dilations?: number | [number, number];
}

const SUPPORTED = 'supported: NHWC, stride 1, dilation 1, padding valid or same';

function allOnes(value: number | number[] | undefined): boolean {
  if (value === undefined) return true;
  return Array.isArray(value) ? value.every((v) => v === 1) : value === 1;
}

/** Checks the attributes and returns the padding mode, or throws naming the unsupported setting. */
export function supportedConv2dPadding(attrs: Conv2DAttrs): Pad {
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') {
    throw new Error(`Conv2D gradient: dataFormat ${attrs.dataFormat} is not supported (${SUPPORTED})`);
  }
  if (!allOnes(attrs.strides)) {
    throw new Error(`Conv2D gradient: strides ${JSON.stringify(attrs.strides)} are not supported (${SUPPORTED})`);
  }
  if (!allOnes(attrs.dilations)) {
    throw new Error(`Conv2D gradient: dilations ${JSON.stringify(attrs.dilations)} are not supported (${SUPPORTED})`);
  }
  if (attrs.pad !== 'valid' && attrs.pad !== 'same') {
    throw new Error(`Conv2D gradient: padding ${JSON.stringify(attrs.pad)} is not supported (${SUPPORTED})`);
  }
  return attrs.pad;
}

/** Padding tfjs applies before a stride-1 convolution: 'same' pads k-1 in total, less at the top/left. */
function forwardPadding(pad: Pad, filterHeight: number, filterWidth: number): { top: number; bottom: number; left: number; right: number } {
  if (pad === 'valid') return { top: 0, bottom: 0, left: 0, right: 0 };
  const top = Math.floor((filterHeight - 1) / 2);
  const left = Math.floor((filterWidth - 1) / 2);
  return { top, bottom: filterHeight - 1 - top, left, right: filterWidth - 1 - left };
}

/**
 * dL/dfilter[kh,kw,ci,co] = sum over n,oh,ow of xPadded[n,oh+kh,ow+kw,ci] * dy[n,oh,ow,co], which
 * is a 'valid' forward convolution of xPadded as [ci, H, W, n] with dy as the filter [oh, ow, n, co].
 */
export function conv2dFilterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  pad: Pad,
): tf.Tensor4D {
  return tf.tidy(() => {
    const p = forwardPadding(pad, filterShape[0], filterShape[1]);
    const padded = pad === 'valid' ? x : tf.pad(x, [[0, 0], [p.top, p.bottom], [p.left, p.right], [0, 0]]);
    const channelsAsBatch = tf.transpose(padded, [3, 1, 2, 0]);
    const dyAsFilter = tf.transpose(dy, [1, 2, 0, 3]);
    const result = tf.conv2d(channelsAsBatch, dyAsFilter, 1, 'valid'); // [ci, kh, kw, co]
    return tf.transpose(result, [1, 2, 0, 3]);
  });
}

/**
 * dL/dx[n,i,j,ci] = sum over kh,kw,co of dy[n, i+top-kh, j+left-kw, co] * filter[kh,kw,ci,co]: a
 * 'valid' convolution of dy padded by (k-1-top, k-1-bottom) with the filter flipped in both
 * spatial axes and transposed to [kh, kw, co, ci].
 */
export function conv2dInputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, pad: Pad): tf.Tensor4D {
  return tf.tidy(() => {
    const [filterHeight, filterWidth] = filter.shape;
    const p = forwardPadding(pad, filterHeight, filterWidth);
    const padded = tf.pad(dy, [
      [0, 0],
      [filterHeight - 1 - p.top, filterHeight - 1 - p.bottom],
      [filterWidth - 1 - p.left, filterWidth - 1 - p.right],
      [0, 0],
    ]);
    const rotated = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
    return tf.conv2d(padded, rotated, 1, 'valid');
  });
}

export const conv2dGradConfig: tf.GradConfig = {
  kernelName: 'Conv2D',
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const pad = supportedConv2dPadding(attrs as unknown as Conv2DAttrs);
    const outputGradient = dy as tf.Tensor4D;
    return {
      x: () => conv2dInputGradient(outputGradient, filter, pad),
      filter: () => conv2dFilterGradient(x, outputGradient, filter.shape, pad),
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
