// Fused optimizer steps over flat float32 vectors, the same arithmetic as lib/ml/optimizers/ (float64
// per element, stored as float32) so a step is bit-identical to the TypeScript one. Each first
// looks for a non-finite gradient and returns its index without touching anything (-1: stepped).
#pragma once
#include <cstddef>

namespace mlnative {

struct SgdHyper {
  double lr, momentum, weightDecay;
  bool nesterov;
};

// velocity == nullptr: plain SGD (momentum 0).
long sgdStep(float* params, const float* grad, float* velocity, size_t n, const SgdHyper& h);

struct AdamHyper {
  double lr, beta1, beta2, epsilon, weightDecay;
  double correction1, correction2;  // 1 − β^t, computed by the caller (Math.pow's rounding is the reference)
};

long adamStep(float* params, const float* grad, float* m, float* v, size_t n, const AdamHyper& h);

}  // namespace mlnative
