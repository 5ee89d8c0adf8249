import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/ml/backend';
import { createRng } from '../../lib/ml/random';

type Pad = 'valid' | 'same';

function randomTensor(shape: number[], seed: number): tf.Tensor {
  const rng = createRng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, () => rng.normal()), shape);
}

/** loss = sum(conv2d(x, w) ⊙ r): linear in x and in w, so central differences are exact up to rounding. */
function makeLoss(r: tf.Tensor, pad: Pad, stride: number) {
  return (x: tf.Tensor, w: tf.Tensor): tf.Scalar => tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad), r));
}

function centralDifferences(values: Float32Array, evaluate: (v: Float32Array) => number, step: number): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const plus = Float32Array.from(values);
    const minus = Float32Array.from(values);
    plus[i] += step;
    minus[i] -= step;
    out[i] = (evaluate(plus) - evaluate(minus)) / (2 * step);
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

const CASES: { pad: Pad; stride: number; x: number[]; w: number[] }[] = [
  { pad: 'valid', stride: 1, x: [2, 6, 5, 3], w: [3, 3, 3, 4] },
  { pad: 'same', stride: 1, x: [2, 6, 5, 3], w: [3, 3, 3, 4] },
  // An even kernel height makes tfjs's 'same' padding asymmetric (0 above, 1 below).
  { pad: 'same', stride: 1, x: [3, 5, 7, 2], w: [2, 3, 2, 3] },
  // The papers' networks: strided 3×3 (even and odd sizes pad differently), 1×1 at strides 1 and 2.
  { pad: 'same', stride: 2, x: [2, 8, 8, 3], w: [3, 3, 3, 4] },
  { pad: 'same', stride: 2, x: [2, 7, 6, 2], w: [3, 3, 2, 3] },
  { pad: 'valid', stride: 2, x: [2, 7, 8, 2], w: [3, 3, 2, 3] },
  { pad: 'same', stride: 1, x: [2, 4, 5, 6], w: [1, 1, 6, 5] },
  { pad: 'same', stride: 2, x: [2, 5, 6, 4], w: [1, 1, 4, 3] },
];

describe('Conv2D replacement gradient', () => {
  beforeAll(async () => {
    expect((await initBackend('wasm')).name).toBe('wasm');
  });

  it('runs on the wasm backend', () => {
    expect(tf.getBackend()).toBe('wasm');
  });

  it.each(CASES)('matches central finite differences on wasm ($pad, stride $stride, x $x, filter $w)', ({ pad, stride, x: xShape, w: wShape }) => {
    const x = randomTensor(xShape, 1);
    const w = randomTensor(wShape, 2);
    const probe = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad);
    const r = randomTensor(probe.shape, 3);
    const loss = makeLoss(r, pad, stride);
    const [dx, dw] = tf.grads(loss)([x, w]);

    const xValues = x.dataSync() as Float32Array;
    const wValues = w.dataSync() as Float32Array;
    const lossAt = (xv: Float32Array, wv: Float32Array): number =>
      tf.tidy(() => loss(tf.tensor(xv, xShape), tf.tensor(wv, wShape)).dataSync()[0]);
    const fdX = centralDifferences(xValues, (v) => lossAt(v, wValues), 0.25);
    const fdW = centralDifferences(wValues, (v) => lossAt(xValues, v), 0.25);

    expect(dx.shape).toEqual(xShape);
    expect(dw.shape).toEqual(wShape);
    expect(maxAbsDiff(dx.dataSync(), fdX)).toBeLessThan(2e-3);
    expect(maxAbsDiff(dw.dataSync(), fdW)).toBeLessThan(2e-3);
    // The filter gradient is not trivially small: the comparison above means something.
    expect(Math.max(...Array.from(dw.dataSync(), Math.abs))).toBeGreaterThan(1);
    tf.dispose([x, w, probe, r, dx, dw]);
  });

  it.each(CASES)("matches tfjs's own cpu kernels ($pad, stride $stride, x $x, filter $w)", async ({ pad, stride, x: xShape, w: wShape }) => {
    const x = randomTensor(xShape, 4);
    const w = randomTensor(wShape, 5);
    const [ours, reference] = [[] as Float32Array[], [] as Float32Array[]];
    const dyShape = tf.tidy(() => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad).shape);
    const dy = randomTensor(dyShape, 6);
    tf.tidy(() => {
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad), dy)))([x, w]);
      ours.push(dx.dataSync() as Float32Array, dw.dataSync() as Float32Array);
    });
    await tf.setBackend('cpu');
    try {
      tf.tidy(() => {
        const attrs = { strides: [stride, stride], pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
        const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: xShape } as never) as tf.Tensor;
        const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: wShape } as never) as tf.Tensor;
        reference.push(Float32Array.from(dx.dataSync()), Float32Array.from(dw.dataSync()));
      });
    } finally {
      await tf.setBackend('wasm');
    }
    expect(tf.getBackend()).toBe('wasm');
    expect(maxAbsDiff(ours[0], reference[0])).toBeLessThan(1e-4);
    expect(maxAbsDiff(ours[1], reference[1])).toBeLessThan(1e-4);
    tf.dispose([x, w, dy]);
  });

  it('does not leak tensors', () => {
    const x = randomTensor([2, 5, 5, 2], 7);
    const w = randomTensor([3, 3, 2, 2], 8);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')))([x, w]);
    });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w]);
  });

  it.each([
    ['unequal strides', (x: tf.Tensor4D, w: tf.Tensor4D) => tf.conv2d(x, w, [1, 2], 'valid'), /strides \[1,2\] differ along height and width \(supported: NHWC, equal strides, dilation 1, padding valid or same\)/],
    ['dilations', (x: tf.Tensor4D, w: tf.Tensor4D) => tf.conv2d(x, w, 1, 'valid', 'NHWC', 2), /dilations 2 are not supported/],
    ['explicit padding', (x: tf.Tensor4D, w: tf.Tensor4D) => tf.conv2d(x, w, 1, 1), /padding 1 is not supported/],
  ])('throws a clear error for unsupported %s', (_name, conv, message) => {
    const x = tf.ones([1, 6, 6, 1]) as tf.Tensor4D;
    const w = tf.ones([3, 3, 1, 1]) as tf.Tensor4D;
    expect(() => tf.grad((f: tf.Tensor) => tf.sum(conv(x, f as tf.Tensor4D)))(w)).toThrow(message);
    tf.dispose([x, w]);
  });
});
