#include "optimizer.h"
#include <cmath>
#include <cstdint>
#include <cstring>

// No fused multiply-add: a + b·c must round twice, as it does in JavaScript (arm64 would fuse).
// O3 vectorises the float32 <-> float64 loops (IEEE order kept: no fast-math).
#pragma GCC optimize("O3", "fp-contract=off")

namespace mlnative {

namespace {

// Exponent bits all set is ±Infinity or NaN. An OR over the whole vector vectorises; the index is
// looked for only when something is wrong.
long firstNonFinite(const float* v, size_t n) {
  constexpr uint32_t kExponent = 0x7f800000u;
  uint32_t any = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t bits;
    std::memcpy(&bits, v + i, sizeof bits);
    any |= static_cast<uint32_t>((bits & kExponent) == kExponent);
  }
  if (any == 0) return -1;
  for (size_t i = 0; i < n; i++) {
    if (!std::isfinite(v[i])) return static_cast<long>(i);
  }
  return -1;
}

// One loop per variant, as in sgd.ts: no branch inside the loop.
void plainStep(float* p, const float* g, size_t n, double lr, double wd) {
  for (size_t i = 0; i < n; i++) p[i] = static_cast<float>(p[i] - lr * (g[i] + wd * p[i]));
}

void momentumStep(float* p, const float* g, float* buf, size_t n, const SgdHyper& h) {
  const double lr = h.lr, mu = h.momentum, wd = h.weightDecay;
  for (size_t i = 0; i < n; i++) {
    const double v = mu * buf[i] + (g[i] + wd * p[i]);
    buf[i] = static_cast<float>(v);
    p[i] = static_cast<float>(p[i] - lr * v);
  }
}

void nesterovStep(float* p, const float* g, float* buf, size_t n, const SgdHyper& h) {
  const double lr = h.lr, mu = h.momentum, wd = h.weightDecay;
  for (size_t i = 0; i < n; i++) {
    const double gi = g[i] + wd * p[i];
    const double v = mu * buf[i] + gi;
    buf[i] = static_cast<float>(v);
    p[i] = static_cast<float>(p[i] - lr * (gi + mu * v));
  }
}

}  // namespace

long sgdStep(float* params, const float* grad, float* velocity, size_t n, const SgdHyper& h) {
  const long bad = firstNonFinite(grad, n);
  if (bad >= 0) return bad;
  if (velocity == nullptr) plainStep(params, grad, n, h.lr, h.weightDecay);
  else if (h.nesterov) nesterovStep(params, grad, velocity, n, h);
  else momentumStep(params, grad, velocity, n, h);
  return -1;
}

long adamStep(float* params, const float* grad, float* m, float* v, size_t n, const AdamHyper& h) {
  const long bad = firstNonFinite(grad, n);
  if (bad >= 0) return bad;
  const double b1 = h.beta1, b2 = h.beta2, wd = h.weightDecay;
  for (size_t i = 0; i < n; i++) {
    const double g = grad[i] + wd * params[i];
    const double mi = b1 * m[i] + (1 - b1) * g;
    const double vi = b2 * v[i] + (1 - b2) * g * g;
    m[i] = static_cast<float>(mi);
    v[i] = static_cast<float>(vi);
    params[i] = static_cast<float>(params[i] - (h.lr * (mi / h.correction1)) / (std::sqrt(vi / h.correction2) + h.epsilon));
  }
  return -1;
}

}  // namespace mlnative
