#include "network.h"
#include <cblas.h>
#include <omp.h>
#include <algorithm>
#include <exception>
#include <optional>
#include <stdexcept>
#include "conv.h"
#include "dense.h"

namespace mlnative {

namespace {

constexpr size_t kMaxPlans = 8;
// Below this many samples per thread a slice's primitives cost more to run than they save.
constexpr int kMinSliceSamples = 16;
// Below this many floating-point operations per step (forward and backward) a dense network's
// matrix products are too small to share between threads.
constexpr double kMinThreadedFlops = 2e8;

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

// OpenMP and OpenBLAS on one thread for a scope; the previous counts come back at its end.
class OneThread {
 public:
  OneThread() : omp_(omp_get_max_threads()), blas_(openblas_get_num_threads()) {
    omp_set_num_threads(1);
    openblas_set_num_threads(1);
  }
  ~OneThread() {
    omp_set_num_threads(omp_);
    openblas_set_num_threads(blas_);
  }
  OneThread(const OneThread&) = delete;
  OneThread& operator=(const OneThread&) = delete;

 private:
  int omp_;
  int blas_;
};

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

std::unique_ptr<Network::Plan> Network::buildPlan(int batch, int slot) const {
  auto plan = std::make_unique<Plan>();
  plan->batch = batch;
  plan->slot = slot;
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

Network::Plan& Network::planFor(int batch, int slot) {
  for (auto it = plans_.begin(); it != plans_.end(); ++it) {
    if ((*it)->batch != batch || (*it)->slot != slot) continue;
    plans_.splice(plans_.begin(), plans_, it);
    return *plans_.front();
  }
  plans_.push_front(buildPlan(batch, slot));
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

double Network::slicePass(Plan& plan, const float* params, const float* x, const int32_t* labels, int normaliser, float* grad) {
  const float* scores = forward(plan, params, x);
  const size_t last = plan.layers.size() - 1;
  const double total = lossSum(loss_, scores, labels, plan.batch, classes_, plan.gradients[last].data(), normaliser);
  for (size_t i = last + 1; i-- > 0;) {
    const float* input = i == 0 ? x : plan.outputs[i - 1].data();
    float* inputGradient = i == 0 ? nullptr : plan.gradients[i - 1].data();
    plan.layers[i]->backward(input, plan.outputs[i].data(), plan.gradients[i].data(), inputGradient, params, grad);
  }
  return total;
}

// Only convolutional networks split the batch: their many small oneDNN primitives each wait for
// every thread, so one fork per step pays (CNN, 2 threads: 1.77x one thread at load 3). A
// dense-only network is two or three matrix products, left whole to OpenBLAS (or, when small, to
// one thread: runsOnOneThread).
bool Network::splitsBatches() const {
  return std::any_of(specs_.begin(), specs_.end(), [](const LayerSpec& s) { return s.type == LayerType::Conv; });
}

// Small dense products run on one thread: the MLP's 39 MFLOP step was slower on two threads in
// this engine (0.72x one thread) and in PyTorch (0.88x), both at load 1.5 on 2026-12-03. The rule
// depends only on the batch size, so a plan's primitives are always created and run under the
// same thread count (a oneDNN primitive fixes it when it is made), in gradient and evaluate alike.
bool Network::runsOnOneThread(int count) const {
  return !splitsBatches() && 6.0 * count * static_cast<double>(numParams_) < kMinThreadedFlops;
}

double Network::gradient(const float* params, const float* x, const int32_t* labels, int count, float* grad) {
  const int slices = splitsBatches() ? std::min({omp_get_max_threads(), count / kMinSliceSamples, static_cast<int>(kMaxPlans) / 2}) : 1;
  if (slices > 1) return splitGradient(slices, params, x, labels, count, grad) / count;
  if (!runsOnOneThread(count)) return slicePass(planFor(count), params, x, labels, count, grad) / count;
  OneThread one;
  return slicePass(planFor(count), params, x, labels, count, grad) / count;
}

// Slice s holds count / slices samples, the first count % slices slices one more. Inside the region
// each thread's libraries run single-threaded.
double Network::splitGradient(int slices, const float* params, const float* x, const int32_t* labels, int count, float* grad) {
  std::vector<Plan*> plans(slices);
  std::vector<int> first(slices + 1, 0);
  // A primitive fixes its thread count when it is created: the slices' are made for one thread
  // (slots 1.., apart from the whole-batch plans) or they would wait for threads they never get.
  const int ompThreads = omp_get_max_threads();
  omp_set_num_threads(1);
  for (int s = 0; s < slices; s++) {
    const int size = count / slices + (s < count % slices ? 1 : 0);
    first[s + 1] = first[s] + size;
    plans[s] = &planFor(size, s + 1);
  }
  omp_set_num_threads(ompThreads);
  sliceGrads_.resize(slices - 1);
  for (auto& g : sliceGrads_) g.resize(numParams_);
  std::vector<double> losses(slices, 0.0);
  std::exception_ptr failure;
  const int blasThreads = openblas_get_num_threads();
  openblas_set_num_threads(1);
#pragma omp parallel for num_threads(slices) schedule(static, 1)
  for (int s = 0; s < slices; s++) {
    try {
      float* target = s == 0 ? grad : sliceGrads_[s - 1].data();
      losses[s] = slicePass(*plans[s], params, x + first[s] * inputSize_, labels + first[s], count, target);
    } catch (...) {
#pragma omp critical
      failure = std::current_exception();
    }
  }
  openblas_set_num_threads(blasThreads);
  if (failure) std::rethrow_exception(failure);
  double total = losses[0];
  for (int s = 1; s < slices; s++) {
    const float* g = sliceGrads_[s - 1].data();
    for (size_t i = 0; i < numParams_; i++) grad[i] += g[i];
    total += losses[s];
  }
  return total;
}

void Network::evaluate(const float* params, const float* x, const int32_t* labels, int count, double* total, int64_t* correct) {
  std::optional<OneThread> one;
  if (runsOnOneThread(count)) one.emplace();
  Plan& plan = planFor(count);
  const float* scores = forward(plan, params, x);
  *total = lossSum(loss_, scores, labels, count, classes_, nullptr);
  *correct = countCorrect(scores, labels, count, classes_);
}

}  // namespace mlnative
