#include "dense.h"
#include <cblas.h>
#include <cstring>

namespace mlnative {

DenseLayer::DenseLayer(int batch, int in, int out, bool relu, size_t weightOffset, size_t biasOffset)
    : batch_(batch), in_(in), out_(out), weightOffset_(weightOffset), biasOffset_(biasOffset), ones_(batch, 1.f) {
  if (relu) {
    dnnl::memory::desc md({batch, out}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::nc);
    relu_ = std::make_unique<Relu>(md);
    dz_.resize(static_cast<size_t>(batch) * out);
  }
}

void DenseLayer::forward(const float* x, float* y, const float* params) {
  const float* w = params + weightOffset_;
  const float* b = params + biasOffset_;
  for (int i = 0; i < batch_; i++) std::memcpy(y + static_cast<size_t>(i) * out_, b, sizeof(float) * out_);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, batch_, out_, in_, 1.f, x, in_, w, out_, 1.f, y, out_);
  if (relu_) relu_->forwardInPlace(y);
}

void DenseLayer::backward(const float* x, const float* y, const float* dy, float* dx, const float* params, float* grads) {
  const float* dz = dy;
  if (relu_) {
    relu_->backward(y, dy, dz_.data());
    dz = dz_.data();
  }
  // dW = xᵀ·dz, db = dzᵀ·1, dx = dz·Wᵀ
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, in_, out_, batch_, 1.f, x, in_, dz, out_, 0.f, grads + weightOffset_, out_);
  cblas_sgemv(CblasRowMajor, CblasTrans, batch_, out_, 1.f, dz, out_, ones_.data(), 1, 0.f, grads + biasOffset_, 1);
  if (dx != nullptr) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, batch_, in_, out_, 1.f, dz, out_, params + weightOffset_, out_, 0.f, dx, in_);
  }
}

}  // namespace mlnative
