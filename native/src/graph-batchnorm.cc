#include "graph-batchnorm.h"

namespace mlnative {

using dnnl::memory;
using flags = dnnl::normalization_flags;
constexpr auto f32 = dnnl::memory::data_type::f32;

BatchNormOp::BatchNormOp(int batch, int height, int width, int channels, size_t gammaOffset, size_t statsOffset)
    : channels_(channels), gammaOffset_(gammaOffset), statsOffset_(statsOffset), stats_(2 * static_cast<size_t>(channels)) {
  memory::desc md({batch, channels, height, width}, f32, memory::format_tag::nhwc);
  memory::desc channelMd({channels}, f32, memory::format_tag::x);
  const auto affine = flags::use_scale | flags::use_shift;
  dnnl::batch_normalization_forward::desc td(dnnl::prop_kind::forward_training, md, kBatchNormEpsilon, affine);
  dnnl::batch_normalization_forward::primitive_desc tpd(td, cpuEngine());
  training_ = dnnl::batch_normalization_forward(tpd);
  dnnl::batch_normalization_forward::desc pd(dnnl::prop_kind::forward_inference, md, kBatchNormEpsilon, affine | flags::use_global_stats);
  population_ = dnnl::batch_normalization_forward(dnnl::batch_normalization_forward::primitive_desc(pd, cpuEngine()));
  dnnl::batch_normalization_backward::desc bd(dnnl::prop_kind::backward, md, md, kBatchNormEpsilon, affine);
  backward_ = dnnl::batch_normalization_backward(dnnl::batch_normalization_backward::primitive_desc(bd, cpuEngine(), tpd));
  for (memory* m : {&src_, &dst_, &diffDst_, &diffSrc_}) *m = unboundMemory(md);
  for (memory* m : {&scale_, &shift_, &diffScale_, &diffShift_, &mean_, &variance_}) *m = unboundMemory(channelMd);
}

void BatchNormOp::forward(const std::vector<const float*>& in, float* out, const PassContext& ctx) {
  bind(src_, in[0]);
  bind(dst_, out);
  bind(scale_, ctx.params + gammaOffset_);
  bind(shift_, ctx.params + gammaOffset_ + channels_);
  if (ctx.training) {
    bind(mean_, stats_.data());
    bind(variance_, stats_.data() + channels_);
    training_.execute(cpuStream(), {{DNNL_ARG_SRC, src_}, {DNNL_ARG_SCALE, scale_}, {DNNL_ARG_SHIFT, shift_}, {DNNL_ARG_DST, dst_},
                                    {DNNL_ARG_MEAN, mean_}, {DNNL_ARG_VARIANCE, variance_}});
    return;
  }
  bind(mean_, ctx.populationStats + statsOffset_);
  bind(variance_, ctx.populationStats + statsOffset_ + channels_);
  population_.execute(cpuStream(), {{DNNL_ARG_SRC, src_}, {DNNL_ARG_SCALE, scale_}, {DNNL_ARG_SHIFT, shift_}, {DNNL_ARG_DST, dst_},
                                    {DNNL_ARG_MEAN, mean_}, {DNNL_ARG_VARIANCE, variance_}});
}

void BatchNormOp::backward(const std::vector<const float*>& in, const float*, const float* dy, const std::vector<float*>& dx,
                           const PassContext& ctx) {
  bind(src_, in[0]);
  bind(mean_, stats_.data());
  bind(variance_, stats_.data() + channels_);
  bind(diffDst_, dy);
  bind(scale_, ctx.params + gammaOffset_);
  bind(shift_, ctx.params + gammaOffset_ + channels_);
  bind(diffScale_, ctx.grads + gammaOffset_);
  bind(diffShift_, ctx.grads + gammaOffset_ + channels_);
  // oneDNN always computes diff_src; without a consumer it goes to the output gradient's own buffer,
  // which nobody reads after this.
  bind(diffSrc_, dx[0] != nullptr ? dx[0] : dy);
  backward_.execute(cpuStream(), {{DNNL_ARG_SRC, src_}, {DNNL_ARG_MEAN, mean_}, {DNNL_ARG_VARIANCE, variance_}, {DNNL_ARG_DIFF_DST, diffDst_},
                                  {DNNL_ARG_SCALE, scale_}, {DNNL_ARG_SHIFT, shift_}, {DNNL_ARG_DIFF_SRC, diffSrc_}, {DNNL_ARG_DIFF_SCALE, diffScale_},
                                  {DNNL_ARG_DIFF_SHIFT, diffShift_}});
}

}  // namespace mlnative
