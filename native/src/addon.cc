// Node-API bindings of the engine. Every array crosses without a copy (typed arrays are read and
// written in place); sizes are checked here again so a wrong call throws instead of corrupting memory.
#include <node_api.h>
#include <omp.h>
#include <cblas.h>
#include <exception>
#include <memory>
#include <string>
#include <vector>
#include "dnnl.hpp"
#include "graph-addon.h"
#include "napi-handle.h"
#include "napi-util.h"
#include "network.h"
#include "optimizer.h"

using mlnative::Network;
using mlnative::CallError;
using mlnative::arguments;
using mlnative::check;
using mlnative::guarded;
using mlnative::intArg;
using mlnative::number;
using mlnative::typedArray;

namespace {

constexpr size_t kSpecFields = 7;

Network& network(napi_env env, napi_value value) {
  return mlnative::unwrapOwned<Network>(env, value, "native engine: the network has been destroyed");
}

napi_value create(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() {
    auto args = arguments(env, info, 3);
    const size_t length = mlnative::typedArrayLength(env, args[0], "layers");
    if (length == 0 || length % kSpecFields != 0) throw CallError("layers must hold 7 integers per layer");
    const int32_t* raw = typedArray<int32_t>(env, args[0], napi_int32_array, length, "layers");
    std::vector<mlnative::LayerSpec> specs;
    for (size_t i = 0; i < length; i += kSpecFields) {
      specs.push_back({static_cast<mlnative::LayerType>(raw[i]), raw[i + 1], raw[i + 2], raw[i + 3], raw[i + 4], raw[i + 5], raw[i + 6] != 0});
    }
    return mlnative::wrapOwned(env, std::make_unique<Network>(specs, static_cast<mlnative::LossKind>(intArg(env, args[1], "loss")),
                                                              intArg(env, args[2], "classes")));
  });
}

napi_value numParams(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() { return number(env, static_cast<double>(network(env, arguments(env, info, 1)[0]).numParams())); });
}

// The arguments gradient and evaluate share: (handle, params, x, labels, count, ...).
struct BatchArgs {
  Network* net;
  const float* params;
  const float* x;
  const int32_t* labels;
  int count;
};

BatchArgs batchArgs(napi_env env, const std::vector<napi_value>& args) {
  Network& net = network(env, args[0]);
  const int count = intArg(env, args[4], "count");
  if (count < 1) throw CallError("count must be positive");
  return {&net, typedArray<float>(env, args[1], napi_float32_array, net.numParams(), "params"),
          typedArray<float>(env, args[2], napi_float32_array, net.inputSize() * count, "x"),
          typedArray<int32_t>(env, args[3], napi_int32_array, count, "labels"), count};
}

// gradient(handle, params, x, labels, count, grad) -> mean loss
napi_value gradient(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() {
    auto args = arguments(env, info, 6);
    BatchArgs b = batchArgs(env, args);
    float* grad = typedArray<float>(env, args[5], napi_float32_array, b.net->numParams(), "grad");
    return number(env, b.net->gradient(b.params, b.x, b.labels, b.count, grad));
  });
}

// evaluate(handle, params, x, labels, count) -> [loss sum, correct]
napi_value evaluate(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() {
    BatchArgs b = batchArgs(env, arguments(env, info, 5));
    double total = 0;
    int64_t correct = 0;
    b.net->evaluate(b.params, b.x, b.labels, b.count, &total, &correct);
    napi_value result;
    check(napi_create_array_with_length(env, 2, &result), "result");
    check(napi_set_element(env, result, 0, number(env, total)), "result");
    check(napi_set_element(env, result, 1, number(env, static_cast<double>(correct))), "result");
    return result;
  });
}

double doubleArg(napi_env env, napi_value value, const char* name) {
  double result = 0;
  check(napi_get_value_double(env, value, &result), name);
  return result;
}

struct StepVectors {
  size_t n;
  float* params;
  const float* grad;
};

// The (params, grad) both optimizer steps start with; the other buffers must match params' length.
StepVectors stepVectors(napi_env env, const std::vector<napi_value>& args) {
  const size_t n = mlnative::typedArrayLength(env, args[0], "params");
  return {n, typedArray<float>(env, args[0], napi_float32_array, n, "params"), typedArray<float>(env, args[1], napi_float32_array, n, "grad")};
}

// sgdStep(params, grad, velocity | null, lr, momentum, weightDecay, nesterov) -> -1, or the index of a non-finite gradient
napi_value sgdStep(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() {
    auto args = arguments(env, info, 7);
    auto [n, params, grad] = stepVectors(env, args);
    napi_valuetype velocityType;
    check(napi_typeof(env, args[2], &velocityType), "velocity");
    float* velocity = velocityType == napi_null ? nullptr : typedArray<float>(env, args[2], napi_float32_array, n, "velocity");
    bool nesterov = false;
    check(napi_get_value_bool(env, args[6], &nesterov), "nesterov");
    mlnative::SgdHyper h{doubleArg(env, args[3], "lr"), doubleArg(env, args[4], "momentum"), doubleArg(env, args[5], "weightDecay"), nesterov};
    return number(env, static_cast<double>(mlnative::sgdStep(params, grad, velocity, n, h)));
  });
}

// adamStep(params, grad, m, v, lr, beta1, beta2, epsilon, weightDecay, 1 − β1^t, 1 − β2^t) -> as sgdStep
napi_value adamStep(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() {
    auto args = arguments(env, info, 11);
    auto [n, params, grad] = stepVectors(env, args);
    float* m = typedArray<float>(env, args[2], napi_float32_array, n, "m");
    float* v = typedArray<float>(env, args[3], napi_float32_array, n, "v");
    mlnative::AdamHyper h{doubleArg(env, args[4], "lr"),          doubleArg(env, args[5], "beta1"),
                          doubleArg(env, args[6], "beta2"),       doubleArg(env, args[7], "epsilon"),
                          doubleArg(env, args[8], "weightDecay"), doubleArg(env, args[9], "correction1"),
                          doubleArg(env, args[10], "correction2")};
    return number(env, static_cast<double>(mlnative::adamStep(params, grad, m, v, n, h)));
  });
}

napi_value destroy(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() {
    mlnative::destroyOwned<Network>(env, arguments(env, info, 1)[0]);
    return static_cast<napi_value>(nullptr);
  });
}

// setThreads(n): oneDNN runs on OpenMP, the matrix products on OpenBLAS's own threads.
napi_value setThreads(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() {
    const int threads = intArg(env, arguments(env, info, 1)[0], "threads");
    if (threads < 1) throw CallError("threads must be positive");
    omp_set_num_threads(threads);
    openblas_set_num_threads(threads);
    return number(env, threads);
  });
}

napi_value versions(napi_env env, napi_callback_info) {
  return guarded(env, [&]() {
    const dnnl_version_t* v = dnnl_version();
    std::string text = "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch) +
                       " (" + (v->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : "other runtime") + "), " + openblas_get_config();
    napi_value result;
    check(napi_create_string_utf8(env, text.c_str(), text.size(), &result), "versions");
    return result;
  });
}

}  // namespace

NAPI_MODULE_INIT() {
  mlnative::defineFunctions(env, exports,
                            {{"create", create},
                             {"numParams", numParams},
                             {"gradient", gradient},
                             {"evaluate", evaluate},
                             {"destroy", destroy},
                             {"sgdStep", sgdStep},
                             {"adamStep", adamStep},
                             {"setThreads", setThreads},
                             {"versions", versions}});
  mlnative::registerGraphFunctions(env, exports);
  return exports;
}
