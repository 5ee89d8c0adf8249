// One operation of a graph network (graph.h): a node with up to two inputs and one NHWC float
// output, built for a fixed batch size. Parameters and their gradients live in the flat vectors in
// TensorFlow.js's layout, so nothing is copied or transposed at the boundary.
#pragma once
#include <cstddef>
#include <vector>

namespace mlnative {

// What a pass needs besides activations: the flat parameters and gradients, whether batch norm
// uses the batch's statistics (training) or the population's, and the dropout mask, if any.
struct PassContext {
  const float* params = nullptr;
  float* grads = nullptr;
  bool training = true;
  const float* populationStats = nullptr;  // per batch-norm layer: mean[C] then variance[C]
  const float* dropoutMask = nullptr;      // keep-mask already scaled by 1 / (1 − rate)
};

class GraphOp {
 public:
  virtual ~GraphOp() = default;
  virtual void forward(const std::vector<const float*>& in, float* out, const PassContext& ctx) = 0;
  // dy: gradient w.r.t. the output; dx[i]: written (not added to) for input i, nullptr when unneeded.
  virtual void backward(const std::vector<const float*>& in, const float* out, const float* dy, const std::vector<float*>& dx,
                        const PassContext& ctx) = 0;
};

}  // namespace mlnative
