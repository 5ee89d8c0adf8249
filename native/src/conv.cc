#include "conv.h"

namespace mlnative {

using dnnl::algorithm;
using dnnl::memory;
using dnnl::prop_kind;
using tag = dnnl::memory::format_tag;
constexpr auto f32 = dnnl::memory::data_type::f32;

ConvLayer::ConvLayer(const ConvShape& s, bool needInputGradient, size_t weightOffset, size_t biasOffset)
    : shape_(s),
      weightOffset_(weightOffset),
      biasOffset_(biasOffset),
      srcMd_({s.batch, s.channels, s.height, s.width}, f32, tag::nhwc),
      dstMd_({s.batch, s.filters, s.outHeight(), s.outWidth()}, f32, tag::nhwc),
      userWeightsMd_({s.filters, s.channels, s.kernel, s.kernel}, f32, tag::hwio),
      biasMd_({s.filters}, f32, tag::x) {
  memory::desc anyWeights({s.filters, s.channels, s.kernel, s.kernel}, f32, tag::any);
  dnnl::post_ops ops;
  ops.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  dnnl::convolution_forward::desc fd(prop_kind::forward_training, algorithm::convolution_direct, srcMd_, anyWeights, biasMd_,
                                     dstMd_, {1, 1}, {0, 0}, {0, 0});
  dnnl::convolution_forward::primitive_desc fpd(fd, attr, cpuEngine());
  forward_ = dnnl::convolution_forward(fpd);
  forwardWeights_ = std::make_unique<FormatBridge>(userWeightsMd_, fpd.weights_desc());
  src_ = unboundMemory(srcMd_);
  dst_ = unboundMemory(dstMd_);
  bias_ = unboundMemory(biasMd_);
  relu_ = std::make_unique<Relu>(dstMd_);
  dz_.resize(dstMd_.get_size() / sizeof(float));
  buildBackward(fpd, needInputGradient);
}

void ConvLayer::buildBackward(const dnnl::convolution_forward::primitive_desc& fpd, bool needInputGradient) {
  const ConvShape& s = shape_;
  memory::desc anyWeights({s.filters, s.channels, s.kernel, s.kernel}, f32, tag::any);
  dnnl::convolution_backward_weights::desc wd(algorithm::convolution_direct, srcMd_, anyWeights, biasMd_, dstMd_, {1, 1},
                                              {0, 0}, {0, 0});
  dnnl::convolution_backward_weights::primitive_desc wpd(wd, cpuEngine(), fpd);
  backwardWeights_ = dnnl::convolution_backward_weights(wpd);
  weightGradient_ = std::make_unique<FormatBridge>(userWeightsMd_, wpd.diff_weights_desc());
  diffDst_ = dnnl::memory(dstMd_, cpuEngine(), dz_.data());
  diffBias_ = unboundMemory(biasMd_);
  if (!needInputGradient) return;
  dnnl::convolution_backward_data::desc dd(algorithm::convolution_direct, srcMd_, anyWeights, dstMd_, {1, 1}, {0, 0}, {0, 0});
  dnnl::convolution_backward_data::primitive_desc dpd(dd, cpuEngine(), fpd);
  backwardData_ = dnnl::convolution_backward_data(dpd);
  backwardDataWeights_ = std::make_unique<FormatBridge>(userWeightsMd_, dpd.weights_desc());
  diffSrc_ = unboundMemory(srcMd_);
  hasBackwardData_ = true;
}

size_t ConvLayer::outputSize() const {
  return static_cast<size_t>(shape_.outHeight()) * shape_.outWidth() * shape_.filters;
}

void ConvLayer::forward(const float* x, float* y, const float* params) {
  bind(src_, x);
  bind(dst_, y);
  bind(bias_, params + biasOffset_);
  memory& weights = forwardWeights_->toLib(params + weightOffset_);
  forward_.execute(cpuStream(), {{DNNL_ARG_SRC, src_}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_BIAS, bias_}, {DNNL_ARG_DST, dst_}});
}

void ConvLayer::backward(const float* x, const float* y, const float* dy, float* dx, const float* params, float* grads) {
  relu_->backward(y, dy, dz_.data());
  bind(src_, x);
  bind(diffBias_, grads + biasOffset_);
  memory& diffWeights = weightGradient_->libTarget(grads + weightOffset_);
  backwardWeights_.execute(cpuStream(), {{DNNL_ARG_SRC, src_},
                                         {DNNL_ARG_DIFF_DST, diffDst_},
                                         {DNNL_ARG_DIFF_WEIGHTS, diffWeights},
                                         {DNNL_ARG_DIFF_BIAS, diffBias_}});
  weightGradient_->fromLib();
  if (dx == nullptr || !hasBackwardData_) return;
  bind(diffSrc_, dx);
  memory& weights = backwardDataWeights_->toLib(params + weightOffset_);
  backwardData_.execute(cpuStream(), {{DNNL_ARG_DIFF_DST, diffDst_}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DIFF_SRC, diffSrc_}});
}

MaxPoolLayer::MaxPoolLayer(int batch, int height, int width, int channels, int size)
    : outHeight_(height / size), outWidth_(width / size), channels_(channels) {
  memory::desc srcMd({batch, channels, height, width}, f32, tag::nhwc);
  memory::desc dstMd({batch, channels, outHeight_, outWidth_}, f32, tag::nhwc);
  // Right padding of −(the remainder) drops the rows and columns that do not fill a window.
  memory::dims padRight = {outHeight_ * size - height, outWidth_ * size - width};
  dnnl::pooling_forward::desc fd(prop_kind::forward_training, algorithm::pooling_max, srcMd, dstMd, {size, size}, {size, size},
                                 {0, 0}, padRight);
  dnnl::pooling_forward::primitive_desc fpd(fd, cpuEngine());
  dnnl::pooling_backward::desc bd(algorithm::pooling_max, srcMd, dstMd, {size, size}, {size, size}, {0, 0}, padRight);
  dnnl::pooling_backward::primitive_desc bpd(bd, cpuEngine(), fpd);
  forward_ = dnnl::pooling_forward(fpd);
  backward_ = dnnl::pooling_backward(bpd);
  workspace_ = dnnl::memory(fpd.workspace_desc(), cpuEngine());
  src_ = unboundMemory(srcMd);
  dst_ = unboundMemory(dstMd);
  diffDst_ = unboundMemory(dstMd);
  diffSrc_ = unboundMemory(srcMd);
}

void MaxPoolLayer::forward(const float* x, float* y, const float*) {
  bind(src_, x);
  bind(dst_, y);
  forward_.execute(cpuStream(), {{DNNL_ARG_SRC, src_}, {DNNL_ARG_DST, dst_}, {DNNL_ARG_WORKSPACE, workspace_}});
}

void MaxPoolLayer::backward(const float*, const float*, const float* dy, float* dx, const float*, float*) {
  if (dx == nullptr) return;
  bind(diffDst_, dy);
  bind(diffSrc_, dx);
  backward_.execute(cpuStream(), {{DNNL_ARG_DIFF_DST, diffDst_}, {DNNL_ARG_DIFF_SRC, diffSrc_}, {DNNL_ARG_WORKSPACE, workspace_}});
}

}  // namespace mlnative
