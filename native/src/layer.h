// One layer of a network built for a fixed batch size. Parameters are read from, and gradients
// written to, the flat vector in TensorFlow.js's layout (dense kernel [in, out], conv kernel
// [kh, kw, in, out], NHWC activations), so no copy or transpose happens at the boundary.
#pragma once
#include <cstddef>

namespace mlnative {

class Layer {
 public:
  virtual ~Layer() = default;
  // Floats per sample that forward() writes.
  virtual size_t outputSize() const = 0;
  virtual void forward(const float* x, float* y, const float* params) = 0;
  // dy: gradient w.r.t. this layer's output; dx: w.r.t. its input, or nullptr when nobody needs it.
  virtual void backward(const float* x, const float* y, const float* dy, float* dx, const float* params, float* grads) = 0;
};

}  // namespace mlnative
