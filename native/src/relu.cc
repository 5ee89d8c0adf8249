#include "relu.h"

namespace mlnative {

using dnnl::algorithm;

Relu::Relu(const dnnl::memory::desc& md)
    : data_(unboundMemory(md)), diffDst_(unboundMemory(md)), diffSrc_(unboundMemory(md)) {
  dnnl::eltwise_forward::desc fd(dnnl::prop_kind::forward_training, algorithm::eltwise_relu_use_dst_for_bwd, md, 0.f, 0.f);
  dnnl::eltwise_forward::primitive_desc fpd(fd, cpuEngine());
  dnnl::eltwise_backward::desc bd(algorithm::eltwise_relu_use_dst_for_bwd, md, md, 0.f, 0.f);
  dnnl::eltwise_backward::primitive_desc bpd(bd, cpuEngine(), fpd);
  forward_ = dnnl::eltwise_forward(fpd);
  backward_ = dnnl::eltwise_backward(bpd);
}

void Relu::forwardInPlace(float* data) {
  bind(data_, data);
  forward_.execute(cpuStream(), {{DNNL_ARG_SRC, data_}, {DNNL_ARG_DST, data_}});
}

void Relu::backward(const float* y, const float* dy, float* dz) {
  bind(data_, y);
  bind(diffDst_, dy);
  bind(diffSrc_, dz);
  backward_.execute(cpuStream(), {{DNNL_ARG_DST, data_}, {DNNL_ARG_DIFF_DST, diffDst_}, {DNNL_ARG_DIFF_SRC, diffSrc_}});
}

}  // namespace mlnative
