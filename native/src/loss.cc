#include "loss.h"
#include <cmath>

namespace mlnative {

namespace {

double softmaxCrossEntropyRow(const float* s, int label, int classes, float scale, float* ds) {
  float max = s[0];
  for (int j = 1; j < classes; j++) max = s[j] > max ? s[j] : max;
  double sum = 0;
  for (int j = 0; j < classes; j++) sum += std::exp(static_cast<double>(s[j]) - max);
  const double logSum = std::log(sum) + max;
  if (ds != nullptr) {
    for (int j = 0; j < classes; j++) {
      const double p = std::exp(static_cast<double>(s[j]) - logSum);
      ds[j] = static_cast<float>((p - (j == label ? 1.0 : 0.0)) * scale);
    }
  }
  return logSum - s[label];
}

// margins_j = (s_j − s_y) + 1 for j ≠ y and 0 for j = y, in float32 as tfjs computes them; the
// gradient of their max goes to every j that attains it (tf.max's gradient) and back through s_y.
double hingeRow(const float* s, int label, int classes, float scale, float* ds) {
  float max = 0.f;
  for (int j = 0; j < classes; j++) {
    const float margin = j == label ? 0.f : (s[j] - s[label]) + 1.f;
    max = margin > max ? margin : max;
  }
  if (ds != nullptr) {
    float toLabel = 0.f;
    for (int j = 0; j < classes; j++) {
      const float margin = j == label ? 0.f : (s[j] - s[label]) + 1.f;
      ds[j] = margin == max ? scale : 0.f;
      toLabel += ds[j];
    }
    ds[label] -= toLabel;
  }
  return max;
}

}  // namespace

double lossSum(LossKind kind, const float* scores, const int32_t* labels, int count, int classes, float* dscores, int normaliser) {
  const float scale = 1.f / static_cast<float>(normaliser > 0 ? normaliser : count);
  double total = 0;
  for (int i = 0; i < count; i++) {
    const float* s = scores + static_cast<size_t>(i) * classes;
    float* ds = dscores == nullptr ? nullptr : dscores + static_cast<size_t>(i) * classes;
    total += kind == LossKind::SoftmaxCrossEntropy ? softmaxCrossEntropyRow(s, labels[i], classes, scale, ds)
                                                   : hingeRow(s, labels[i], classes, scale, ds);
  }
  return total;
}

int64_t countCorrect(const float* scores, const int32_t* labels, int count, int classes) {
  int64_t correct = 0;
  for (int i = 0; i < count; i++) {
    const float* s = scores + static_cast<size_t>(i) * classes;
    int best = 0;
    for (int j = 1; j < classes; j++) best = s[j] > s[best] ? j : best;
    correct += best == labels[i] ? 1 : 0;
  }
  return correct;
}

}  // namespace mlnative
