/**
 * Every op the papers' networks train through, differentiated on wasm and checked against (1) the
 * cpu backend with tfjs's stock gradients and (2) central finite differences (Richardson-
 * extrapolated for the non-linear ops), each within 1e-4 relative to the gradient's largest entry.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/ml/backend';
import { Net, hardSigmoid, hardSwish, globalAveragePool } from '../../lib/ml/models/paper/net';
import { createRng } from '../../lib/ml/random';

const STOCK = ['Conv2D', 'DepthwiseConv2dNative', 'BatchMatMul'].map((name) => tf.getGradient(name));
const TOLERANCE = 1e-4;

interface OpCase {
  name: string;
  shapes: number[][];
  fn: (...inputs: tf.Tensor[]) => tf.Tensor;
  /** Linear in each input: plain central differences are exact up to rounding. */
  linear: boolean;
  /** Draw inputs away from these kinks (hard-swish, hard-sigmoid). */
  avoid?: number[];
}

function values(shape: number[], seed: number, avoid: number[] = []): Float32Array {
  const rng = createRng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: size }, () => {
    for (;;) {
      const v = 2 * rng.normal();
      if (avoid.every((k) => Math.abs(v - k) > 0.3)) return v;
    }
  });
}

function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  expect(scale).toBeGreaterThan(1e-3); // a vanishing gradient would make the check empty
  return worst / scale;
}

/** loss = Σ f(inputs) ⊙ r, summed in float64 in JS. */
function lossOf(c: OpCase, inputs: Float32Array[], r: Float32Array): number {
  return tf.tidy(() => {
    const out = c.fn(...inputs.map((v, i) => tf.tensor(v, c.shapes[i]))).dataSync();
    let sum = 0;
    for (let i = 0; i < out.length; i++) sum += out[i] * r[i];
    return sum;
  });
}

function gradients(c: OpCase, inputs: Float32Array[], r: Float32Array): Float32Array[] {
  return tf.tidy(() => {
    const tensors = inputs.map((v, i) => tf.tensor(v, c.shapes[i]));
    const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(c.fn(...xs), tf.tensor(r, c.fn(...tensors).shape))))(tensors);
    return grads.map((g) => Float32Array.from(g.dataSync()));
  });
}

function finiteDifferences(c: OpCase, inputs: Float32Array[], r: Float32Array, which: number): Float64Array {
  const central = (i: number, h: number): number => {
    const plus = inputs.map((v) => Float32Array.from(v));
    const minus = inputs.map((v) => Float32Array.from(v));
    plus[which][i] += h;
    minus[which][i] -= h;
    return (lossOf(c, plus, r) - lossOf(c, minus, r)) / (2 * h);
  };
  return Float64Array.from(inputs[which], (_, i) => (c.linear ? central(i, 0.5) : (4 * central(i, 0.05) - central(i, 0.1)) / 3));
}

/** A Net whose parameters are the given tensors, by name, in batch-statistics mode. */
function paramNet(params: Record<string, tf.Tensor>): Net {
  return new Net({ get: (spec) => params[spec.name] }, { kind: 'batch' });
}

const CASES: OpCase[] = [
  { name: 'depthwise 3×3 stride 1', shapes: [[2, 5, 6, 3], [3, 3, 3, 1]], linear: true, fn: (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same') },
  { name: 'depthwise 3×3 stride 2 (even size)', shapes: [[2, 6, 6, 3], [3, 3, 3, 1]], linear: true, fn: (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same') },
  { name: 'depthwise 5×5 stride 2 (odd size)', shapes: [[2, 7, 5, 2], [5, 5, 2, 1]], linear: true, fn: (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same') },
  { name: 'depthwise 5×5 stride 1', shapes: [[1, 4, 4, 4], [5, 5, 4, 1]], linear: true, fn: (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same') },
  { name: 'conv 3×3 stride 2', shapes: [[2, 6, 6, 3], [3, 3, 3, 4]], linear: true, fn: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same') },
  { name: 'conv 1×1 stride 2', shapes: [[2, 5, 5, 3], [1, 1, 3, 4]], linear: true, fn: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same') },
  {
    name: 'batch norm, training mode (x, γ, β)', shapes: [[3, 3, 2, 4], [4], [4]], linear: false,
    fn: (x, gamma, beta) => paramNet({ 'bn/gamma': gamma, 'bn/beta': beta }).batchNorm('bn', x as tf.Tensor4D),
  },
  { name: 'hard-swish', shapes: [[2, 3, 3, 2]], linear: false, avoid: [-3, 3], fn: (x) => hardSwish(x) },
  { name: 'hard-sigmoid', shapes: [[2, 3, 3, 2]], linear: false, avoid: [-3, 3], fn: (x) => hardSigmoid(x) },
  { name: 'average pool 2×2', shapes: [[2, 4, 4, 3]], linear: true, fn: (x) => tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid') },
  { name: 'global average pool', shapes: [[2, 3, 5, 3]], linear: true, fn: (x) => globalAveragePool(x as tf.Tensor4D) },
  { name: 'squeeze-and-excitation scale (broadcast mul)', shapes: [[2, 3, 3, 4], [2, 1, 1, 4]], linear: true, fn: (x, s) => tf.mul(x, s) },
  { name: 'residual add', shapes: [[2, 3, 3, 4], [2, 3, 3, 4]], linear: true, fn: (x, y) => tf.add(x, y) },
];

describe('gradients of the papers’ ops on wasm', () => {
  beforeAll(async () => {
    expect((await initBackend()).name).toBe('wasm');
  });

  it.each(CASES)('$name: matches the cpu backend and finite differences', async (c) => {
    const inputs = c.shapes.map((shape, i) => values(shape, 10 + i, c.avoid));
    const outShape = tf.tidy(() => c.fn(...inputs.map((v, i) => tf.tensor(v, c.shapes[i]))).shape);
    const r = values(outShape, 99);
    const ours = gradients(c, inputs, r);

    const ourGradients = STOCK.map((g) => tf.getGradient(g.kernelName));
    STOCK.forEach((g) => tf.registerGradient(g));
    await tf.setBackend('cpu');
    let reference: Float32Array[];
    try {
      reference = gradients(c, inputs, r);
    } finally {
      ourGradients.forEach((g) => tf.registerGradient(g));
      await tf.setBackend('wasm');
    }
    expect(tf.getBackend()).toBe('wasm');
    ours.forEach((g, i) => {
      expect(relativeError(g, reference[i])).toBeLessThan(TOLERANCE);
      expect(relativeError(g, finiteDifferences(c, inputs, r, i))).toBeLessThan(TOLERANCE);
    });
  });
});
