#include "graph-conv.h"
#include <algorithm>

namespace mlnative {

using dnnl::algorithm;
using dnnl::memory;
using tag = dnnl::memory::format_tag;
constexpr auto f32 = dnnl::memory::data_type::f32;

namespace {

// TensorFlow's 'same' padding along one axis: total = max((out − 1)·s + k − in, 0), top = total / 2.
void samePadding(int in, int out, int kernel, int stride, memory::dim* left, memory::dim* right) {
  const int total = std::max((out - 1) * stride + kernel - in, 0);
  *left = total / 2;
  *right = total - total / 2;
}

memory::dims weightDims(const ConvGeometry& g) {
  if (g.depthwise) return {g.channels, 1, 1, g.kernel, g.kernel};
  return {g.filters, g.channels, g.kernel, g.kernel};
}

}  // namespace

ConvOp::ConvOp(const ConvGeometry& g, size_t weightOffset, bool needInputGradient) : weightOffset_(weightOffset) {
  memory::desc srcMd({g.batch, g.channels, g.height, g.width}, f32, tag::nhwc);
  memory::desc dstMd({g.batch, g.filters, g.outHeight(), g.outWidth()}, f32, tag::nhwc);
  memory::desc userWeights(weightDims(g), f32, g.depthwise ? tag::hwigo : tag::hwio);
  memory::desc anyWeights(weightDims(g), f32, tag::any);
  memory::dims strides = {g.stride, g.stride}, padL(2), padR(2);
  samePadding(g.height, g.outHeight(), g.kernel, g.stride, &padL[0], &padR[0]);
  samePadding(g.width, g.outWidth(), g.kernel, g.stride, &padL[1], &padR[1]);

  dnnl::convolution_forward::desc fd(dnnl::prop_kind::forward_training, algorithm::convolution_direct, srcMd, anyWeights, dstMd,
                                     strides, padL, padR);
  dnnl::convolution_forward::primitive_desc fpd(fd, cpuEngine());
  forward_ = dnnl::convolution_forward(fpd);
  forwardWeights_ = std::make_unique<FormatBridge>(userWeights, fpd.weights_desc());

  dnnl::convolution_backward_weights::desc wd(algorithm::convolution_direct, srcMd, anyWeights, dstMd, strides, padL, padR);
  dnnl::convolution_backward_weights::primitive_desc wpd(wd, cpuEngine(), fpd);
  backwardWeights_ = dnnl::convolution_backward_weights(wpd);
  weightGradient_ = std::make_unique<FormatBridge>(userWeights, wpd.diff_weights_desc());

  src_ = unboundMemory(srcMd);
  dst_ = unboundMemory(dstMd);
  diffDst_ = unboundMemory(dstMd);
  diffSrc_ = unboundMemory(srcMd);
  if (!needInputGradient) return;
  dnnl::convolution_backward_data::desc dd(algorithm::convolution_direct, srcMd, anyWeights, dstMd, strides, padL, padR);
  dnnl::convolution_backward_data::primitive_desc dpd(dd, cpuEngine(), fpd);
  backwardData_ = dnnl::convolution_backward_data(dpd);
  backwardDataWeights_ = std::make_unique<FormatBridge>(userWeights, dpd.weights_desc());
  hasBackwardData_ = true;
}

void ConvOp::forward(const std::vector<const float*>& in, float* out, const PassContext& ctx) {
  bind(src_, in[0]);
  bind(dst_, out);
  memory& weights = forwardWeights_->toLib(ctx.params + weightOffset_);
  forward_.execute(cpuStream(), {{DNNL_ARG_SRC, src_}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, dst_}});
}

void ConvOp::backward(const std::vector<const float*>& in, const float*, const float* dy, const std::vector<float*>& dx,
                      const PassContext& ctx) {
  bind(src_, in[0]);
  bind(diffDst_, dy);
  memory& diffWeights = weightGradient_->libTarget(ctx.grads + weightOffset_);
  backwardWeights_.execute(cpuStream(), {{DNNL_ARG_SRC, src_}, {DNNL_ARG_DIFF_DST, diffDst_}, {DNNL_ARG_DIFF_WEIGHTS, diffWeights}});
  weightGradient_->fromLib();
  if (dx[0] == nullptr || !hasBackwardData_) return;
  bind(diffSrc_, dx[0]);
  memory& weights = backwardDataWeights_->toLib(ctx.params + weightOffset_);
  backwardData_.execute(cpuStream(), {{DNNL_ARG_DIFF_DST, diffDst_}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DIFF_SRC, diffSrc_}});
}

}  // namespace mlnative
