import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/ml/backend';
import { createRng } from '../../lib/ml/random';

/** A row-major matrix in float64, for an independent reference. */
interface Matrix { rows: number; cols: number; v: Float64Array }

function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const rng = createRng(seed);
  return { rows, cols, v: Float64Array.from({ length: rows * cols }, () => Math.fround(rng.normal())) };
}

function transpose(m: Matrix): Matrix {
  const out = new Float64Array(m.v.length);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) out[j * m.rows + i] = m.v[i * m.cols + j];
  return { rows: m.cols, cols: m.rows, v: out };
}

function multiply(a: Matrix, b: Matrix): Matrix {
  const out = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++) for (let k = 0; k < a.cols; k++) for (let j = 0; j < b.cols; j++) out[i * b.cols + j] += a.v[i * a.cols + k] * b.v[k * b.cols + j];
  return { rows: a.rows, cols: b.cols, v: out };
}

const toTensor = (m: Matrix): tf.Tensor2D => tf.tensor2d(Float32Array.from(m.v), [m.rows, m.cols]);

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe('BatchMatMul replacement gradient', () => {
  beforeAll(async () => {
    expect((await initBackend('wasm')).name).toBe('wasm');
  });

  // y = op(a)·op(b) with op(a): 5×7, op(b): 7×3; loss = sum(y ⊙ r) so dL/dy = r.
  it.each([
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ])('matches the textbook gradient for transposeA=%s transposeB=%s', (transposeA, transposeB) => {
    const opA = randomMatrix(5, 7, 1);
    const opB = randomMatrix(7, 3, 2);
    const r = randomMatrix(5, 3, 3);
    const a = transposeA ? transpose(opA) : opA;
    const b = transposeB ? transpose(opB) : opB;
    // dL/dop(a) = r·op(b)ᵀ, dL/dop(b) = op(a)ᵀ·r; transpose back when the operand was transposed.
    const dOpA = multiply(r, transpose(opB));
    const dOpB = multiply(transpose(opA), r);
    const expectedA = transposeA ? transpose(dOpA) : dOpA;
    const expectedB = transposeB ? transpose(dOpB) : dOpB;

    const [at, bt, rt] = [toTensor(a), toTensor(b), toTensor(r)];
    const [da, db] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y, transposeA, transposeB), rt)))([at, bt]);
    expect(da.shape).toEqual([a.rows, a.cols]);
    expect(db.shape).toEqual([b.rows, b.cols]);
    expect(maxAbsDiff(da.dataSync(), expectedA.v)).toBeLessThan(1e-4);
    expect(maxAbsDiff(db.dataSync(), expectedB.v)).toBeLessThan(1e-4);
    tf.dispose([at, bt, rt, da, db]);
  });

  it('keeps the stock gradient for batched (rank 3) operands', () => {
    const a = tf.tensor3d(Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i / 10), [2, 3, 4]);
    const b = tf.tensor3d(Float32Array.from({ length: 2 * 4 * 2 }, (_, i) => 1 - i / 20), [2, 4, 2]);
    const [da, db] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.matMul(x as tf.Tensor3D, y as tf.Tensor3D)))([a, b]);
    // d sum(a·b)/da[n,i,k] = Σ_j b[n,k,j]; d/db[n,k,j] = Σ_i a[n,i,k]
    const bv = b.arraySync();
    const av = a.arraySync();
    const expectedA = av.map((m, n) => m.map(() => bv[n].map((row) => row[0] + row[1])));
    const expectedB = bv.map((m, n) => m.map((row, k) => row.map(() => av[n].reduce((s, arow) => s + arow[k], 0))));
    expect(maxAbsDiff(da.dataSync(), expectedA.flat(2))).toBeLessThan(1e-5);
    expect(maxAbsDiff(db.dataSync(), expectedB.flat(2))).toBeLessThan(1e-5);
    tf.dispose([a, b, da, db]);
  });
});
