// The graph's smaller operations: activations and average pooling on oneDNN primitives, the dense
// layer on dense.h, and glue oneDNN has no primitive for (residual add, squeeze-and-excitation's
// hard-sigmoid gate broadcast over the image, dropout with a given mask).
#pragma once
#include <memory>
#include "dense.h"
#include "dnnl-context.h"
#include "graph-op.h"

namespace mlnative {

enum class Activation { Relu, HardSwish };

class EltwiseOp : public GraphOp {
 public:
  EltwiseOp(size_t elements, Activation activation);
  void forward(const std::vector<const float*>& in, float* out, const PassContext& ctx) override;
  void backward(const std::vector<const float*>& in, const float* out, const float* dy, const std::vector<float*>& dx,
                const PassContext& ctx) override;

 private:
  bool backwardFromOutput_;
  dnnl::eltwise_forward forward_;
  dnnl::eltwise_backward backward_;
  dnnl::memory src_, dst_, diffDst_, diffSrc_;
};

// [n, h, w, c] → [n, c]: the mean over the image.
class GlobalAveragePoolOp : public GraphOp {
 public:
  GlobalAveragePoolOp(int batch, int height, int width, int channels);
  void forward(const std::vector<const float*>& in, float* out, const PassContext& ctx) override;
  void backward(const std::vector<const float*>& in, const float* out, const float* dy, const std::vector<float*>& dx,
                const PassContext& ctx) override;

 private:
  dnnl::pooling_forward forward_;
  dnnl::pooling_backward backward_;
  dnnl::memory src_, dst_, diffDst_, diffSrc_;
};

class DenseOp : public GraphOp {
 public:
  DenseOp(int batch, int in, int out, bool relu, size_t weightOffset) : layer_(batch, in, out, relu, weightOffset, weightOffset + static_cast<size_t>(in) * out) {}
  void forward(const std::vector<const float*>& in, float* out, const PassContext& ctx) override;
  void backward(const std::vector<const float*>& in, const float* out, const float* dy, const std::vector<float*>& dx,
                const PassContext& ctx) override;

 private:
  DenseLayer layer_;
};

class AddOp : public GraphOp {
 public:
  explicit AddOp(size_t elements) : elements_(elements) {}
  void forward(const std::vector<const float*>& in, float* out, const PassContext& ctx) override;
  void backward(const std::vector<const float*>& in, const float* out, const float* dy, const std::vector<float*>& dx,
                const PassContext& ctx) override;

 private:
  size_t elements_;
};

// x · hardSigmoid(g) with x [n, h, w, c] and the gate's pre-activation g [n, c], as net.ts computes
// it: relu6(g + 3) / 6, whose gradient is 1/6 where 0 < g + 3 ≤ 6 (tf.relu6's rule).
class SqueezeExciteScaleOp : public GraphOp {
 public:
  SqueezeExciteScaleOp(int batch, int pixels, int channels) : batch_(batch), pixels_(pixels), channels_(channels), gate_(static_cast<size_t>(batch) * channels) {}
  void forward(const std::vector<const float*>& in, float* out, const PassContext& ctx) override;
  void backward(const std::vector<const float*>& in, const float* out, const float* dy, const std::vector<float*>& dx,
                const PassContext& ctx) override;

 private:
  int batch_, pixels_, channels_;
  std::vector<float> gate_;
};

// Multiplies by the pass's scaled keep-mask; the identity when the pass has none (evaluation).
class DropoutOp : public GraphOp {
 public:
  explicit DropoutOp(size_t elements) : elements_(elements) {}
  void forward(const std::vector<const float*>& in, float* out, const PassContext& ctx) override;
  void backward(const std::vector<const float*>& in, const float* out, const float* dy, const std::vector<float*>& dx,
                const PassContext& ctx) override;

 private:
  size_t elements_;
};

}  // namespace mlnative
