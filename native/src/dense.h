// Fully connected layer y = x·W + b (W is [in, out], row-major), optionally followed by ReLU.
// The products are OpenBLAS sgemm calls; the bias gradient is a sgemv with a vector of ones.
#pragma once
#include <memory>
#include <vector>
#include "layer.h"
#include "relu.h"

namespace mlnative {

class DenseLayer : public Layer {
 public:
  DenseLayer(int batch, int in, int out, bool relu, size_t weightOffset, size_t biasOffset);
  size_t outputSize() const override { return static_cast<size_t>(out_); }
  void forward(const float* x, float* y, const float* params) override;
  void backward(const float* x, const float* y, const float* dy, float* dx, const float* params, float* grads) override;

 private:
  int batch_, in_, out_;
  size_t weightOffset_, biasOffset_;
  std::unique_ptr<Relu> relu_;
  std::vector<float> ones_;
  std::vector<float> dz_;  // gradient before the ReLU
};

}  // namespace mlnative
