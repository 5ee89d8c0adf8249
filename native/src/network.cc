#include "network.h"
#include <stdexcept>
#include "conv.h"
#include "dense.h"

namespace mlnative {

namespace {

constexpr size_t kMaxPlans = 4;

size_t parameterCount(const LayerSpec& s) {
  switch (s.type) {
    case LayerType::Dense:
      return static_cast<size_t>(s.channels) * s.units + s.units;
    case LayerType::Conv:
      return static_cast<size_t>(s.kernel) * s.kernel * s.channels * s.units + s.units;
    case LayerType::MaxPool:
      return 0;
  }
  return 0;
}

// Input size the next layer must declare.
size_t outputCount(const LayerSpec& s) {
  switch (s.type) {
    case LayerType::Dense:
      return static_cast<size_t>(s.units);
    case LayerType::Conv:
      return static_cast<size_t>(s.height - s.kernel + 1) * (s.width - s.kernel + 1) * s.units;
    case LayerType::MaxPool:
      return static_cast<size_t>(s.height / s.units) * (s.width / s.units) * s.channels;
  }
  return 0;
}

void checkSpec(const LayerSpec& s, size_t index, size_t expectedInput) {
  const std::string where = "layer " + std::to_string(index);
  if (s.height < 1 || s.width < 1 || s.channels < 1 || s.units < 1) throw std::invalid_argument(where + ": sizes must be positive");
  if (s.type == LayerType::Dense && (s.height != 1 || s.width != 1)) throw std::invalid_argument(where + ": dense input must be 1×1×in");
  if (s.type == LayerType::Conv && (s.kernel < 1 || s.kernel > s.height || s.kernel > s.width)) {
    throw std::invalid_argument(where + ": kernel must fit the input");
  }
  if (s.type == LayerType::MaxPool && (s.units > s.height || s.units > s.width)) throw std::invalid_argument(where + ": window larger than input");
  const size_t input = static_cast<size_t>(s.height) * s.width * s.channels;
  if (expectedInput != 0 && input != expectedInput) {
    throw std::invalid_argument(where + ": input of " + std::to_string(input) + " values, previous layer gives " + std::to_string(expectedInput));
  }
}

}  // namespace

Network::Network(std::vector<LayerSpec> specs, LossKind loss, int classes) : specs_(std::move(specs)), loss_(loss), classes_(classes) {
  if (specs_.empty()) throw std::invalid_argument("a network needs at least one layer");
  size_t expected = 0;
  for (size_t i = 0; i < specs_.size(); i++) {
    checkSpec(specs_[i], i, expected);
    offsets_.push_back(numParams_);
    numParams_ += parameterCount(specs_[i]);
    expected = outputCount(specs_[i]);
  }
  if (expected != static_cast<size_t>(classes)) throw std::invalid_argument("the last layer must output one score per class");
  inputSize_ = static_cast<size_t>(specs_[0].height) * specs_[0].width * specs_[0].channels;
}

std::unique_ptr<Network::Plan> Network::buildPlan(int batch) const {
  auto plan = std::make_unique<Plan>();
  plan->batch = batch;
  for (size_t i = 0; i < specs_.size(); i++) {
    const LayerSpec& s = specs_[i];
    const size_t weights = offsets_[i];
    const size_t bias = weights + parameterCount(s) - (s.type == LayerType::MaxPool ? 0 : s.units);
    if (s.type == LayerType::Dense) {
      plan->layers.push_back(std::make_unique<DenseLayer>(batch, s.channels, s.units, s.relu, weights, bias));
    } else if (s.type == LayerType::Conv) {
      ConvShape shape{batch, s.height, s.width, s.channels, s.units, s.kernel};
      plan->layers.push_back(std::make_unique<ConvLayer>(shape, i > 0, weights, bias));
    } else {
      plan->layers.push_back(std::make_unique<MaxPoolLayer>(batch, s.height, s.width, s.channels, s.units));
    }
    const size_t size = plan->layers.back()->outputSize() * batch;
    plan->outputs.emplace_back(size);
    plan->gradients.emplace_back(size);
  }
  return plan;
}

Network::Plan& Network::planFor(int batch) {
  for (auto it = plans_.begin(); it != plans_.end(); ++it) {
    if ((*it)->batch != batch) continue;
    plans_.splice(plans_.begin(), plans_, it);
    return *plans_.front();
  }
  plans_.push_front(buildPlan(batch));
  if (plans_.size() > kMaxPlans) plans_.pop_back();
  return *plans_.front();
}

const float* Network::forward(Plan& plan, const float* params, const float* x) {
  const float* input = x;
  for (size_t i = 0; i < plan.layers.size(); i++) {
    plan.layers[i]->forward(input, plan.outputs[i].data(), params);
    input = plan.outputs[i].data();
  }
  return input;
}

double Network::gradient(const float* params, const float* x, const int32_t* labels, int count, float* grad) {
  Plan& plan = planFor(count);
  const float* scores = forward(plan, params, x);
  const size_t last = plan.layers.size() - 1;
  const double total = lossSum(loss_, scores, labels, count, classes_, plan.gradients[last].data());
  for (size_t i = last + 1; i-- > 0;) {
    const float* input = i == 0 ? x : plan.outputs[i - 1].data();
    float* inputGradient = i == 0 ? nullptr : plan.gradients[i - 1].data();
    plan.layers[i]->backward(input, plan.outputs[i].data(), plan.gradients[i].data(), inputGradient, params, grad);
  }
  return total / count;
}

void Network::evaluate(const float* params, const float* x, const int32_t* labels, int count, double* total, int64_t* correct) {
  Plan& plan = planFor(count);
  const float* scores = forward(plan, params, x);
  *total = lossSum(loss_, scores, labels, count, classes_, nullptr);
  *correct = countCorrect(scores, labels, count, classes_);
}

}  // namespace mlnative
