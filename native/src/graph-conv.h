// 'same'-padded convolution as tf.conv2d / tf.depthwiseConv2d compute it (TensorFlow's padding: the
// odd pixel goes to the bottom/right), on oneDNN's convolution primitives. Weights stay in the
// user's layout ([k, k, in, out], depthwise [k, k, C, 1]) and are reordered to the format the
// primitive chose once per pass.
#pragma once
#include <memory>
#include "dnnl-context.h"
#include "graph-op.h"

namespace mlnative {

struct ConvGeometry {
  int batch, height, width, channels, filters, kernel, stride;
  bool depthwise;
  int outHeight() const { return (height + stride - 1) / stride; }
  int outWidth() const { return (width + stride - 1) / stride; }
};

class ConvOp : public GraphOp {
 public:
  ConvOp(const ConvGeometry& g, size_t weightOffset, bool needInputGradient);
  void forward(const std::vector<const float*>& in, float* out, const PassContext& ctx) override;
  void backward(const std::vector<const float*>& in, const float* out, const float* dy, const std::vector<float*>& dx,
                const PassContext& ctx) override;

 private:
  size_t weightOffset_;
  dnnl::convolution_forward forward_;
  dnnl::convolution_backward_weights backwardWeights_;
  dnnl::convolution_backward_data backwardData_;
  std::unique_ptr<FormatBridge> forwardWeights_, weightGradient_, backwardDataWeights_;
  dnnl::memory src_, dst_, diffDst_, diffSrc_;
  bool hasBackwardData_ = false;
};

}  // namespace mlnative
