#include "graph.h"
#include <algorithm>
#include <stdexcept>
#include "graph-batchnorm.h"
#include "graph-check.h"
#include "graph-conv.h"
#include "graph-glue.h"
#include "loss.h"

namespace mlnative {

namespace {

constexpr size_t kMaxPlans = 4;

}  // namespace

struct Graph::Plan {
  int batch;
  std::vector<std::unique_ptr<GraphOp>> ops;
  std::vector<BatchNormOp*> batchNorms;
  std::vector<std::vector<float>> outputs, gradients;
  std::vector<float> scratch;   // an input's gradient when another consumer already wrote one
  std::vector<char> written;    // gradients[i] holds a value in this backward pass
  std::vector<std::vector<const float*>> inputs;
};

Graph::~Graph() = default;

Graph::Graph(std::vector<OpSpec> specs, Shape image, int classes) : specs_(std::move(specs)), image_(image), classes_(classes) {
  if (specs_.empty()) throw std::invalid_argument("a graph needs at least one node");
  if (image.height < 1 || image.width < 1 || image.channels < 1) throw std::invalid_argument("the image shape must be positive");
  for (size_t i = 0; i < specs_.size(); i++) {
    const NodeFacts facts = checkNode(specs_[i], i, shapes_, image_);
    shapes_.push_back(facts.output);
    offsets_.push_back(numParams_);
    statsOffsets_.push_back(statsSize_);
    numParams_ += facts.params;
    statsSize_ += facts.stats;
    if (specs_[i].kind == OpKind::Dropout) {
      if (dropoutSize_ != 0) throw std::invalid_argument("node " + std::to_string(i) + ": a graph has at most one dropout");
      dropoutSize_ = facts.output.size();
    }
  }
  if (!(shapes_.back() == Shape{1, 1, classes})) throw std::invalid_argument("the last node must output one score per class");
}

std::unique_ptr<Graph::Plan> Graph::buildPlan(int batch) const {
  auto plan = std::make_unique<Plan>();
  plan->batch = batch;
  size_t largest = 0;
  for (size_t i = 0; i < specs_.size(); i++) {
    const OpSpec& s = specs_[i];
    const size_t elements = shapes_[i].size() * batch;
    std::unique_ptr<GraphOp> op;
    switch (s.kind) {
      case OpKind::Conv:
        op = std::make_unique<ConvOp>(ConvGeometry{batch, s.height, s.width, s.channels, s.outChannels, s.kernel, s.stride, s.flag != 0},
                                      offsets_[i], s.input != kImage);
        break;
      case OpKind::BatchNorm: {
        auto bn = std::make_unique<BatchNormOp>(batch, s.height, s.width, s.channels, offsets_[i], statsOffsets_[i]);
        plan->batchNorms.push_back(bn.get());
        op = std::move(bn);
        break;
      }
      case OpKind::Relu:
      case OpKind::HardSwish:
        op = std::make_unique<EltwiseOp>(elements, s.kind == OpKind::Relu ? Activation::Relu : Activation::HardSwish);
        break;
      case OpKind::Add:
        op = std::make_unique<AddOp>(elements);
        break;
      case OpKind::GlobalAveragePool:
        op = std::make_unique<GlobalAveragePoolOp>(batch, s.height, s.width, s.channels);
        break;
      case OpKind::Dense:
        op = std::make_unique<DenseOp>(batch, s.channels, s.outChannels, s.flag != 0, offsets_[i]);
        break;
      case OpKind::SqueezeExciteScale:
        op = std::make_unique<SqueezeExciteScaleOp>(batch, s.height * s.width, s.channels);
        break;
      case OpKind::Dropout:
        op = std::make_unique<DropoutOp>(elements);
        break;
    }
    plan->ops.push_back(std::move(op));
    plan->outputs.emplace_back(elements);
    plan->gradients.emplace_back(elements);
    plan->inputs.emplace_back(s.kind == OpKind::Add || s.kind == OpKind::SqueezeExciteScale ? 2 : 1);
    largest = std::max(largest, elements);
  }
  plan->scratch.resize(largest);
  plan->written.resize(specs_.size());
  return plan;
}

Graph::Plan& Graph::planFor(int batch) {
  for (auto it = plans_.begin(); it != plans_.end(); ++it) {
    if ((*it)->batch != batch) continue;
    plans_.splice(plans_.begin(), plans_, it);
    return *plans_.front();
  }
  plans_.push_front(buildPlan(batch));
  if (plans_.size() > kMaxPlans) plans_.pop_back();
  return *plans_.front();
}

const float* Graph::forward(Plan& plan, const float* x, const PassContext& ctx) {
  for (size_t i = 0; i < specs_.size(); i++) {
    auto& in = plan.inputs[i];
    in[0] = specs_[i].input == kImage ? x : plan.outputs[specs_[i].input].data();
    if (in.size() > 1) in[1] = plan.outputs[specs_[i].input2].data();
    plan.ops[i]->forward(in, plan.outputs[i].data(), ctx);
  }
  return plan.outputs.back().data();
}

// Reverse order; a node read by several others (a residual's input) sums their gradients: the
// first writes in place, later ones go through the scratch buffer and are added.
void Graph::backward(Plan& plan, const float* x, const PassContext& ctx) {
  std::fill(plan.written.begin(), plan.written.end(), 0);
  plan.written.back() = 1;
  for (size_t i = specs_.size(); i-- > 0;) {
    if (!plan.written[i]) continue;  // nothing downstream depends on this node
    const int sources[2] = {specs_[i].input, specs_[i].input2};
    std::vector<float*> dx(plan.inputs[i].size(), nullptr);
    for (size_t k = 0; k < dx.size(); k++) {
      if (sources[k] == kImage) continue;
      dx[k] = plan.written[sources[k]] ? plan.scratch.data() : plan.gradients[sources[k]].data();
    }
    if (dx.size() == 2 && dx[0] == plan.scratch.data() && dx[1] == plan.scratch.data()) throw std::logic_error("both inputs already have gradients");
    plan.ops[i]->backward(plan.inputs[i], plan.outputs[i].data(), plan.gradients[i].data(), dx, ctx);
    for (size_t k = 0; k < dx.size(); k++) {
      if (dx[k] == nullptr) continue;
      std::vector<float>& target = plan.gradients[sources[k]];
      if (dx[k] == plan.scratch.data()) {
        for (size_t j = 0; j < target.size(); j++) target[j] += plan.scratch[j];
      }
      plan.written[sources[k]] = 1;
    }
  }
}

double Graph::gradient(const float* params, const float* x, const int32_t* labels, int count, float* grad, const float* dropoutMask) {
  Plan& plan = planFor(count);
  PassContext ctx;
  ctx.params = params;
  ctx.grads = grad;
  ctx.dropoutMask = dropoutMask;
  const float* scores = forward(plan, x, ctx);
  const double total = lossSum(LossKind::SoftmaxCrossEntropy, scores, labels, count, classes_, plan.gradients.back().data());
  backward(plan, x, ctx);
  return total / count;
}

void Graph::evaluate(const float* params, const float* x, const int32_t* labels, int count, const float* stats, double* total, int64_t* correct) {
  Plan& plan = planFor(count);
  PassContext ctx;
  ctx.params = params;
  ctx.training = false;
  ctx.populationStats = stats;
  const float* scores = forward(plan, x, ctx);
  *total = lossSum(LossKind::SoftmaxCrossEntropy, scores, labels, count, classes_, nullptr);
  *correct = countCorrect(scores, labels, count, classes_);
}

void Graph::batchStatistics(const float* params, const float* x, int count, float* stats) {
  Plan& plan = planFor(count);
  PassContext ctx;
  ctx.params = params;
  forward(plan, x, ctx);
  for (const BatchNormOp* bn : plan.batchNorms) std::copy(bn->batchStats().begin(), bn->batchStats().end(), stats + bn->statsOffset());
}

}  // namespace mlnative
