// Batch norm over NHWC activations with learned scale γ and shift β, on oneDNN's primitives, with
// the rule of lib/ml/models/paper/net.ts: in training the batch's own mean and (biased) variance,
// kept after the pass so calibration can read them; in evaluation the population statistics.
#pragma once
#include <vector>
#include "dnnl-context.h"
#include "graph-op.h"

namespace mlnative {

constexpr float kBatchNormEpsilon = 1e-5f;

class BatchNormOp : public GraphOp {
 public:
  BatchNormOp(int batch, int height, int width, int channels, size_t gammaOffset, size_t statsOffset);
  void forward(const std::vector<const float*>& in, float* out, const PassContext& ctx) override;
  void backward(const std::vector<const float*>& in, const float* out, const float* dy, const std::vector<float*>& dx,
                const PassContext& ctx) override;
  // The last training pass's statistics: mean[C] then variance[C].
  const std::vector<float>& batchStats() const { return stats_; }
  size_t statsOffset() const { return statsOffset_; }

 private:
  int channels_;
  size_t gammaOffset_, statsOffset_;
  std::vector<float> stats_;
  dnnl::batch_normalization_forward training_, population_;
  dnnl::batch_normalization_backward backward_;
  dnnl::memory src_, dst_, diffDst_, diffSrc_, scale_, shift_, diffScale_, diffShift_, mean_, variance_;
};

}  // namespace mlnative
