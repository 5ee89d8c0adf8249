#include "graph-glue.h"
#include <cstring>

namespace mlnative {

using dnnl::algorithm;
using dnnl::memory;
constexpr auto f32 = dnnl::memory::data_type::f32;

EltwiseOp::EltwiseOp(size_t elements, Activation activation) : backwardFromOutput_(activation == Activation::Relu) {
  memory::desc md({static_cast<memory::dim>(elements)}, f32, memory::format_tag::x);
  const algorithm alg = backwardFromOutput_ ? algorithm::eltwise_relu_use_dst_for_bwd : algorithm::eltwise_hardswish;
  dnnl::eltwise_forward::primitive_desc fpd({dnnl::prop_kind::forward_training, alg, md, 0.f, 0.f}, cpuEngine());
  dnnl::eltwise_backward::primitive_desc bpd({alg, md, md, 0.f, 0.f}, cpuEngine(), fpd);
  forward_ = dnnl::eltwise_forward(fpd);
  backward_ = dnnl::eltwise_backward(bpd);
  for (memory* m : {&src_, &dst_, &diffDst_, &diffSrc_}) *m = unboundMemory(md);
}

void EltwiseOp::forward(const std::vector<const float*>& in, float* out, const PassContext&) {
  bind(src_, in[0]);
  bind(dst_, out);
  forward_.execute(cpuStream(), {{DNNL_ARG_SRC, src_}, {DNNL_ARG_DST, dst_}});
}

void EltwiseOp::backward(const std::vector<const float*>& in, const float* out, const float* dy, const std::vector<float*>& dx,
                         const PassContext&) {
  if (dx[0] == nullptr) return;
  bind(diffDst_, dy);
  bind(diffSrc_, dx[0]);
  if (backwardFromOutput_) {
    bind(dst_, out);
    backward_.execute(cpuStream(), {{DNNL_ARG_DST, dst_}, {DNNL_ARG_DIFF_DST, diffDst_}, {DNNL_ARG_DIFF_SRC, diffSrc_}});
  } else {
    bind(src_, in[0]);
    backward_.execute(cpuStream(), {{DNNL_ARG_SRC, src_}, {DNNL_ARG_DIFF_DST, diffDst_}, {DNNL_ARG_DIFF_SRC, diffSrc_}});
  }
}

GlobalAveragePoolOp::GlobalAveragePoolOp(int batch, int height, int width, int channels) {
  memory::desc srcMd({batch, channels, height, width}, f32, memory::format_tag::nhwc);
  memory::desc dstMd({batch, channels, 1, 1}, f32, memory::format_tag::nhwc);
  const memory::dims window = {height, width}, stride = {1, 1}, pad = {0, 0};
  dnnl::pooling_forward::primitive_desc fpd({dnnl::prop_kind::forward_training, algorithm::pooling_avg_include_padding, srcMd, dstMd, stride,
                                             window, pad, pad},
                                            cpuEngine());
  dnnl::pooling_backward::primitive_desc bpd({algorithm::pooling_avg_include_padding, srcMd, dstMd, stride, window, pad, pad}, cpuEngine(), fpd);
  forward_ = dnnl::pooling_forward(fpd);
  backward_ = dnnl::pooling_backward(bpd);
  src_ = unboundMemory(srcMd);
  diffSrc_ = unboundMemory(srcMd);
  dst_ = unboundMemory(dstMd);
  diffDst_ = unboundMemory(dstMd);
}

void GlobalAveragePoolOp::forward(const std::vector<const float*>& in, float* out, const PassContext&) {
  bind(src_, in[0]);
  bind(dst_, out);
  forward_.execute(cpuStream(), {{DNNL_ARG_SRC, src_}, {DNNL_ARG_DST, dst_}});
}

void GlobalAveragePoolOp::backward(const std::vector<const float*>&, const float*, const float* dy, const std::vector<float*>& dx,
                                   const PassContext&) {
  if (dx[0] == nullptr) return;
  bind(diffDst_, dy);
  bind(diffSrc_, dx[0]);
  backward_.execute(cpuStream(), {{DNNL_ARG_DIFF_DST, diffDst_}, {DNNL_ARG_DIFF_SRC, diffSrc_}});
}

void DenseOp::forward(const std::vector<const float*>& in, float* out, const PassContext& ctx) {
  layer_.forward(in[0], out, ctx.params);
}

void DenseOp::backward(const std::vector<const float*>& in, const float* out, const float* dy, const std::vector<float*>& dx,
                       const PassContext& ctx) {
  layer_.backward(in[0], out, dy, dx[0], ctx.params, ctx.grads);
}

void AddOp::forward(const std::vector<const float*>& in, float* out, const PassContext&) {
  const float* a = in[0];
  const float* b = in[1];
  for (size_t i = 0; i < elements_; i++) out[i] = a[i] + b[i];
}

void AddOp::backward(const std::vector<const float*>&, const float*, const float* dy, const std::vector<float*>& dx, const PassContext&) {
  for (float* d : dx) {
    if (d != nullptr) std::memcpy(d, dy, sizeof(float) * elements_);
  }
}

void SqueezeExciteScaleOp::forward(const std::vector<const float*>& in, float* out, const PassContext&) {
  for (size_t i = 0; i < gate_.size(); i++) gate_[i] = std::min(std::max(in[1][i] + 3.f, 0.f), 6.f) / 6.f;
  for (int n = 0; n < batch_; n++) {
    const float* gate = gate_.data() + static_cast<size_t>(n) * channels_;
    for (int p = 0; p < pixels_; p++) {
      const size_t row = (static_cast<size_t>(n) * pixels_ + p) * channels_;
      for (int c = 0; c < channels_; c++) out[row + c] = in[0][row + c] * gate[c];
    }
  }
}

void SqueezeExciteScaleOp::backward(const std::vector<const float*>& in, const float*, const float* dy, const std::vector<float*>& dx,
                                    const PassContext&) {
  for (int n = 0; n < batch_; n++) {
    const float* gate = gate_.data() + static_cast<size_t>(n) * channels_;
    float* dg = dx[1] == nullptr ? nullptr : dx[1] + static_cast<size_t>(n) * channels_;
    if (dg != nullptr) std::fill(dg, dg + channels_, 0.f);
    for (int p = 0; p < pixels_; p++) {
      const size_t row = (static_cast<size_t>(n) * pixels_ + p) * channels_;
      for (int c = 0; c < channels_; c++) {
        if (dx[0] != nullptr) dx[0][row + c] = dy[row + c] * gate[c];
        if (dg != nullptr) dg[c] += dy[row + c] * in[0][row + c];
      }
    }
    if (dg == nullptr) continue;
    const float* g = in[1] + static_cast<size_t>(n) * channels_;
    for (int c = 0; c < channels_; c++) {
      const float shifted = g[c] + 3.f;
      dg[c] = shifted > 0.f && shifted <= 6.f ? dg[c] / 6.f : 0.f;
    }
  }
}

void DropoutOp::forward(const std::vector<const float*>& in, float* out, const PassContext& ctx) {
  if (ctx.dropoutMask == nullptr) {
    std::memcpy(out, in[0], sizeof(float) * elements_);
    return;
  }
  for (size_t i = 0; i < elements_; i++) out[i] = in[0][i] * ctx.dropoutMask[i];
}

void DropoutOp::backward(const std::vector<const float*>&, const float*, const float* dy, const std::vector<float*>& dx,
                         const PassContext& ctx) {
  if (dx[0] == nullptr) return;
  for (size_t i = 0; i < elements_; i++) dx[0][i] = ctx.dropoutMask == nullptr ? dy[i] : dy[i] * ctx.dropoutMask[i];
}

}  // namespace mlnative
