// ReLU over a whole activation tensor with oneDNN's eltwise primitives; the backward pass reads
// the forward output (relu_use_dst_for_bwd), so the pre-activation need not be kept.
#pragma once
#include "dnnl-context.h"

namespace mlnative {

class Relu {
 public:
  explicit Relu(const dnnl::memory::desc& md);
  void forwardInPlace(float* data);
  void backward(const float* y, const float* dy, float* dz);

 private:
  dnnl::eltwise_forward forward_;
  dnnl::eltwise_backward backward_;
  dnnl::memory data_, diffDst_, diffSrc_;
};

}  // namespace mlnative
