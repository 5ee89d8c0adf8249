/**
 * A faster gradient for tfjs's BatchMatMul kernel on 2-D operands. The stock gradient computes
 * e.g. dW = xᵀ·dy with matMul's transpose flags; the wasm backend runs a transposed operand about
 * 6× slower than an untransposed one (measured: 7.9 ms vs 1.2 ms for 784×64 · 64×128 including an
 * explicit transpose). Materialising the transposes makes MLP training about 3× faster on wasm.
 * The results are mathematically the same products; batched (rank > 2) operands keep the stock
 * gradient.
 */
import * as tf from '@tensorflow/tfjs';

interface BatchMatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

function matMulGradConfig(stock: tf.GradConfig): tf.GradConfig {
  return {
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved, attrs) => {
      const [a, b] = saved;
      if (a.rank !== 2 || b.rank !== 2) return stock.gradFunc(dy, saved, attrs);
      const { transposeA, transposeB } = attrs as unknown as BatchMatMulAttrs;
      const d = dy as tf.Tensor2D;
      const t = (m: tf.Tensor): tf.Tensor2D => tf.transpose(m as tf.Tensor2D);
      // y = op(a)·op(b); each case is the textbook product with the transposes done explicitly.
      if (!transposeA && !transposeB) return { a: () => tf.matMul(d, t(b)), b: () => tf.matMul(t(a), d) };
      if (!transposeA && transposeB) return { a: () => tf.matMul(d, b as tf.Tensor2D), b: () => tf.matMul(t(d), a as tf.Tensor2D) };
      if (transposeA && !transposeB) return { a: () => tf.matMul(b as tf.Tensor2D, t(d)), b: () => tf.matMul(a as tf.Tensor2D, d) };
      return { a: () => tf.matMul(t(b), t(d)), b: () => tf.matMul(t(d), t(a)) };
    },
  };
}

let registered = false;

/** Replaces tfjs's BatchMatMul gradient globally (keeping the stock one for rank > 2); idempotent. */
export function registerMatMulGradient(): void {
  if (registered) return;
  tf.registerGradient(matMulGradConfig(tf.getGradient('BatchMatMul')));
  registered = true;
}
