// Losses on raw class scores, as lib/ml/models/losses.ts defines them: softmax cross-entropy and
// the Crammer–Singer multi-class hinge. Each returns the SUM of the per-sample losses and, when
// dscores is given, writes the gradient of their MEAN with respect to the scores.
#pragma once
#include <cstdint>

namespace mlnative {

enum class LossKind : int { SoftmaxCrossEntropy = 0, CrammerSingerHinge = 1 };

// normaliser: the batch size the mean is over (count, unless this is a slice of a larger batch).
double lossSum(LossKind kind, const float* scores, const int32_t* labels, int count, int classes, float* dscores, int normaliser = 0);

// Samples whose highest score (first index on ties, as tf.argMax) is their label.
int64_t countCorrect(const float* scores, const int32_t* labels, int count, int classes);

}  // namespace mlnative
