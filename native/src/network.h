// A sequential network described by the TypeScript side (lib/ml/native/), trained through flat
// parameter and gradient vectors in TensorFlow.js's layout. Layers, primitives and activation
// buffers are built once per batch size and kept (a few sizes: the training batch, the evaluation
// chunk and its remainder), so a training step allocates nothing. With several threads a training
// batch is split into one slice per thread, each run start to end on one thread (one fork and
// join per step, not one per primitive), and the slices' gradients are summed in a fixed order.
#pragma once
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <vector>
#include "layer.h"
#include "loss.h"

namespace mlnative {

enum class LayerType : int { Dense = 0, Conv = 1, MaxPool = 2 };

// Input of the layer: height × width × channels (dense layers: 1 × 1 × in).
struct LayerSpec {
  LayerType type;
  int height, width, channels;
  int units;  // dense: outputs; conv: filters; pool: window size
  int kernel;  // conv only
  bool relu;  // dense only (convolutions always apply ReLU)
};

class Network {
 public:
  // Throws std::invalid_argument naming the first inconsistent layer.
  Network(std::vector<LayerSpec> specs, LossKind loss, int classes);
  size_t numParams() const { return numParams_; }
  size_t inputSize() const { return inputSize_; }
  int classes() const { return classes_; }
  double gradient(const float* params, const float* x, const int32_t* labels, int count, float* grad);
  void evaluate(const float* params, const float* x, const int32_t* labels, int count, double* lossSum, int64_t* correct);

 private:
  bool splitsBatches() const;
  bool runsOnOneThread(int count) const;
  struct Plan {
    int batch;
    int slot;  // 0: a whole batch; s > 0: slice s − 1 of a batch split over threads (single-threaded)
    std::vector<std::unique_ptr<Layer>> layers;
    std::vector<std::vector<float>> outputs;    // outputs[i]: layer i's output
    std::vector<std::vector<float>> gradients;  // gradients[i]: loss gradient w.r.t. outputs[i]
  };
  Plan& planFor(int batch, int slot = 0);
  std::unique_ptr<Plan> buildPlan(int batch, int slot) const;
  const float* forward(Plan& plan, const float* params, const float* x);
  // Forward, loss and backward over one slice; writes its gradient (of the mean over normaliser
  // samples) to grad and returns the slice's loss sum.
  double slicePass(Plan& plan, const float* params, const float* x, const int32_t* labels, int normaliser, float* grad);
  double splitGradient(int slices, const float* params, const float* x, const int32_t* labels, int count, float* grad);

  std::vector<LayerSpec> specs_;
  std::vector<size_t> offsets_;  // weight offset of each layer; its bias follows the kernel
  LossKind loss_;
  int classes_;
  size_t numParams_ = 0;
  size_t inputSize_ = 0;
  std::list<std::unique_ptr<Plan>> plans_;  // most recently used first
  std::vector<std::vector<float>> sliceGrads_;  // the gradients of slices 1.. of a split batch
};

}  // namespace mlnative
