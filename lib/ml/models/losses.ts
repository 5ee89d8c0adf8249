/**
 * Per-sample losses on the network's raw scores (logits). Softmax is folded into the loss
 * (log-softmax) instead of being a layer, which keeps the loss numerically stable.
 */
import * as tf from '@tensorflow/tfjs';

export type LossKind = 'softmax-cross-entropy' | 'crammer-singer-hinge';

/** -log softmax(scores)[y] for each row. */
export function softmaxCrossEntropy(scores: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Tensor1D {
  return tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(scores)), 1)) as tf.Tensor1D;
}

/**
 * Crammer–Singer multi-class hinge: max(0, 1 + max over j≠y of s_j − s_y). The margins below are
 * 1 + s_j − s_y for j≠y and exactly 0 for j=y, so their row maximum already includes the max(0, ·).
 */
export function crammerSingerHinge(scores: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Tensor1D {
  const trueScore = tf.sum(tf.mul(scores, oneHot), 1, true);
  const margins = tf.add(tf.sub(scores, trueScore), tf.sub(1, oneHot));
  return tf.max(margins, 1) as tf.Tensor1D;
}

export function perSampleLoss(kind: LossKind, scores: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Tensor1D {
  return kind === 'softmax-cross-entropy' ? softmaxCrossEntropy(scores, oneHot) : crammerSingerHinge(scores, oneHot);
}
