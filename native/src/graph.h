// A network as a graph of operations (graph-op.h) described by the TypeScript side
// (lib/ml/native/paper-graph.ts): the papers' MobileNet, MobileNetV3-small and ResNet-18. Each
// node reads one or two earlier nodes (or the image) and writes one NHWC output; parameters are
// laid out in node order. Operations and buffers are built once per batch size and kept.
#pragma once
#include <cstdint>
#include <list>
#include <memory>
#include <vector>
#include "graph-op.h"

namespace mlnative {

enum class OpKind : int { Conv = 0, BatchNorm = 1, Relu = 2, HardSwish = 3, Add = 4, GlobalAveragePool = 5, Dense = 6, SqueezeExciteScale = 7, Dropout = 8 };

constexpr size_t kOpFields = 10;
constexpr int kImage = -1;

// [kind, input, second input, height, width, channels of the first input, output channels | units, kernel, stride, flag]
// flag: conv → depthwise; dense → ReLU after it.
struct OpSpec {
  OpKind kind;
  int input, input2, height, width, channels, outChannels, kernel, stride, flag;
};

struct Shape {
  int height, width, channels;
  size_t size() const { return static_cast<size_t>(height) * width * channels; }
  bool operator==(const Shape& o) const { return height == o.height && width == o.width && channels == o.channels; }
};

class Graph {
 public:
  // Throws std::invalid_argument naming the first inconsistent node.
  Graph(std::vector<OpSpec> specs, Shape image, int classes);
  ~Graph();
  size_t numParams() const { return numParams_; }
  size_t inputSize() const { return image_.size(); }
  size_t statsSize() const { return statsSize_; }  // per batch-norm node: mean[C] then variance[C]
  size_t dropoutSize() const { return dropoutSize_; }  // per sample
  double gradient(const float* params, const float* x, const int32_t* labels, int count, float* grad, const float* dropoutMask);
  void evaluate(const float* params, const float* x, const int32_t* labels, int count, const float* stats, double* lossSum, int64_t* correct);
  // Training-mode forward pass; writes every batch-norm node's batch statistics to stats.
  void batchStatistics(const float* params, const float* x, int count, float* stats);

 private:
  struct Plan;
  Plan& planFor(int batch);
  std::unique_ptr<Plan> buildPlan(int batch) const;
  const float* forward(Plan& plan, const float* x, const PassContext& ctx);
  void backward(Plan& plan, const float* x, const PassContext& ctx);

  std::vector<OpSpec> specs_;
  std::vector<Shape> shapes_;       // output of each node
  std::vector<size_t> offsets_;     // first parameter of each node
  std::vector<size_t> statsOffsets_;
  Shape image_;
  int classes_;
  size_t numParams_ = 0, statsSize_ = 0, dropoutSize_ = 0;
  std::list<std::unique_ptr<Plan>> plans_;  // most recently used first
};

}  // namespace mlnative
