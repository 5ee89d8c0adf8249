/**
 * Geometry shared by the replacement convolution gradients: tfjs's padding for 'valid'/'same' at
 * any stride, and "dilating" an output gradient (zeros between its rows and columns) so that a
 * strided convolution's input gradient becomes a stride-1 convolution.
 */
import * as tf from '@tensorflow/tfjs';

export type Pad = 'valid' | 'same';

export interface Padding {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** tfjs/TensorFlow's 'same' pads max((out−1)·s + k − in, 0) in total, the smaller half first. */
function padAlong(pad: Pad, inSize: number, kernel: number, stride: number): [number, number] {
  if (pad === 'valid') return [0, 0];
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + kernel - inSize, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

export function outputSize(pad: Pad, inSize: number, kernel: number, stride: number): number {
  return pad === 'same' ? Math.ceil(inSize / stride) : Math.floor((inSize - kernel) / stride) + 1;
}

export function forwardPadding(pad: Pad, inShape: [number, number], kernel: [number, number], stride: number): Padding {
  const [top, bottom] = padAlong(pad, inShape[0], kernel[0], stride);
  const [left, right] = padAlong(pad, inShape[1], kernel[1], stride);
  return { top, bottom, left, right };
}

export function padSpatial(x: tf.Tensor4D, p: Padding): tf.Tensor4D {
  if (p.top === 0 && p.bottom === 0 && p.left === 0 && p.right === 0) return x;
  return tf.pad(x, [[0, 0], [p.top, p.bottom], [p.left, p.right], [0, 0]]);
}

/** [n, h, w, c] → [n, (h−1)·s+1, (w−1)·s+1, c] with dy at every s-th position, zeros between. */
export function dilateSpatial(dy: tf.Tensor4D, stride: number): tf.Tensor4D {
  if (stride === 1) return dy;
  const [n, h, w, c] = dy.shape;
  const zeros = tf.zeros([n, h, w, stride - 1, c]);
  const alongW = tf.concat([tf.expandDims(dy, 3), zeros], 3).reshape([n, h, w * stride, c]);
  const zeroRows = tf.zeros([n, h, stride - 1, w * stride, c]);
  const both = tf.concat([tf.expandDims(alongW, 2), zeroRows], 2).reshape([n, h * stride, w * stride, c]);
  return tf.slice(both, [0, 0, 0, 0], [n, (h - 1) * stride + 1, (w - 1) * stride + 1, c]) as tf.Tensor4D;
}

/**
 * The output gradient laid out so that a stride-1 'valid' convolution with the spatially flipped
 * filter gives the input gradient: dilated by the stride, then padded (or cropped) so that the
 * result has the input's height and width.
 */
export function fullCorrelationInput(dy: tf.Tensor4D, inShape: [number, number], kernel: [number, number], p: Padding, stride: number): tf.Tensor4D {
  const d = dilateSpatial(dy, stride);
  const before = [kernel[0] - 1 - p.top, kernel[1] - 1 - p.left];
  const after = [inShape[0] - 1 + p.top - (d.shape[1] - 1), inShape[1] - 1 + p.left - (d.shape[2] - 1)];
  const padded = tf.pad(d, [[0, 0], [Math.max(before[0], 0), Math.max(after[0], 0)], [Math.max(before[1], 0), Math.max(after[1], 0)], [0, 0]]);
  // A negative amount means the dilated gradient reaches past what the input needs: crop it.
  const start = [0, Math.max(-before[0], 0), Math.max(-before[1], 0), 0];
  const size = [-1, padded.shape[1] - start[1] - Math.max(-after[0], 0), padded.shape[2] - start[2] - Math.max(-after[1], 0), -1];
  return start[1] === 0 && start[2] === 0 && size[1] === padded.shape[1] && size[2] === padded.shape[2] ? padded : tf.slice(padded, start, size);
}

type Pair = number | [number, number] | number[] | undefined;

export function singleValue(value: Pair, what: string, supported: string): number {
  if (value === undefined) return 1;
  const values = Array.isArray(value) ? value : [value, value];
  if (values.some((v) => v !== values[0])) throw new Error(`${what} ${JSON.stringify(value)} differ along height and width (${supported})`);
  return values[0];
}
