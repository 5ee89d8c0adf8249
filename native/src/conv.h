// Valid (unpadded), stride-1 2-D convolution with ReLU, NHWC activations and the [kh, kw, in, out]
// kernel of TensorFlow.js, on oneDNN's convolution primitives (forward with a ReLU post-op,
// backward weights + bias, backward data). Primitives and reorders are created once per batch size.
#pragma once
#include <memory>
#include <vector>
#include "dnnl-context.h"
#include "layer.h"
#include "relu.h"

namespace mlnative {

struct ConvShape {
  int batch, height, width, channels, filters, kernel;
  int outHeight() const { return height - kernel + 1; }
  int outWidth() const { return width - kernel + 1; }
};

class ConvLayer : public Layer {
 public:
  ConvLayer(const ConvShape& shape, bool needInputGradient, size_t weightOffset, size_t biasOffset);
  size_t outputSize() const override;
  void forward(const float* x, float* y, const float* params) override;
  void backward(const float* x, const float* y, const float* dy, float* dx, const float* params, float* grads) override;

 private:
  void buildBackward(const dnnl::convolution_forward::primitive_desc& fwd, bool needInputGradient);

  ConvShape shape_;
  size_t weightOffset_, biasOffset_;
  dnnl::memory::desc srcMd_, dstMd_, userWeightsMd_, biasMd_;
  dnnl::convolution_forward forward_;
  dnnl::convolution_backward_weights backwardWeights_;
  dnnl::convolution_backward_data backwardData_;
  bool hasBackwardData_ = false;
  std::unique_ptr<FormatBridge> forwardWeights_, weightGradient_, backwardDataWeights_;
  std::unique_ptr<Relu> relu_;
  dnnl::memory src_, dst_, bias_, diffDst_, diffSrc_, diffBias_;
  std::vector<float> dz_;
};

// Max pooling, window = stride = size, no padding (rows/columns that do not fill a window are dropped).
class MaxPoolLayer : public Layer {
 public:
  MaxPoolLayer(int batch, int height, int width, int channels, int size);
  size_t outputSize() const override { return static_cast<size_t>(outHeight_) * outWidth_ * channels_; }
  void forward(const float* x, float* y, const float* params) override;
  void backward(const float* x, const float* y, const float* dy, float* dx, const float* params, float* grads) override;

 private:
  int outHeight_, outWidth_, channels_;
  dnnl::pooling_forward forward_;
  dnnl::pooling_backward backward_;
  dnnl::memory src_, dst_, workspace_, diffDst_, diffSrc_;
};

}  // namespace mlnative
