#include "graph-addon.h"
#include <memory>
#include "graph.h"
#include "napi-handle.h"
#include "napi-util.h"

namespace mlnative {

namespace {

Graph& graphOf(napi_env env, napi_value value) {
  return unwrapOwned<Graph>(env, value, "native engine: the graph has been destroyed");
}

// createGraph(ops: Int32Array (10 per node), image: Int32Array [h, w, c], classes) -> handle
napi_value createGraph(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() {
    auto args = arguments(env, info, 3);
    const size_t length = typedArrayLength(env, args[0], "ops");
    if (length == 0 || length % kOpFields != 0) throw CallError("ops must hold 10 integers per node");
    const int32_t* raw = typedArray<int32_t>(env, args[0], napi_int32_array, length, "ops");
    const int32_t* image = typedArray<int32_t>(env, args[1], napi_int32_array, 3, "image");
    std::vector<OpSpec> specs;
    for (size_t i = 0; i < length; i += kOpFields) {
      specs.push_back({static_cast<OpKind>(raw[i]), raw[i + 1], raw[i + 2], raw[i + 3], raw[i + 4], raw[i + 5], raw[i + 6], raw[i + 7], raw[i + 8], raw[i + 9]});
    }
    return wrapOwned(env, std::make_unique<Graph>(specs, Shape{image[0], image[1], image[2]}, intArg(env, args[2], "classes")));
  });
}

napi_value numbers(napi_env env, std::initializer_list<double> values) {
  napi_value result;
  check(napi_create_array_with_length(env, values.size(), &result), "result");
  uint32_t i = 0;
  for (double v : values) check(napi_set_element(env, result, i++, number(env, v)), "result");
  return result;
}

// graphSizes(handle) -> [parameters, batch-norm statistics, dropout values per sample]
napi_value graphSizes(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() {
    Graph& g = graphOf(env, arguments(env, info, 1)[0]);
    return numbers(env, {static_cast<double>(g.numParams()), static_cast<double>(g.statsSize()), static_cast<double>(g.dropoutSize())});
  });
}

struct Rows {
  Graph* graph;
  const float* params;
  const float* x;
  int count;
};

// (handle, params, x, count, ...): the arguments every pass starts with.
Rows rowsOf(napi_env env, const std::vector<napi_value>& args) {
  Graph& g = graphOf(env, args[0]);
  const int count = intArg(env, args[3], "count");
  if (count < 1) throw CallError("count must be positive");
  return {&g, typedArray<float>(env, args[1], napi_float32_array, g.numParams(), "params"),
          typedArray<float>(env, args[2], napi_float32_array, g.inputSize() * count, "x"), count};
}

// graphGradient(handle, params, x, count, labels, grad, dropoutMask | null) -> mean loss
napi_value graphGradient(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() {
    auto args = arguments(env, info, 7);
    Rows r = rowsOf(env, args);
    const int32_t* labels = typedArray<int32_t>(env, args[4], napi_int32_array, r.count, "labels");
    float* grad = typedArray<float>(env, args[5], napi_float32_array, r.graph->numParams(), "grad");
    napi_valuetype maskType;
    check(napi_typeof(env, args[6], &maskType), "dropoutMask");
    const float* mask = nullptr;
    if (maskType != napi_null && maskType != napi_undefined) {
      mask = typedArray<float>(env, args[6], napi_float32_array, r.graph->dropoutSize() * r.count, "dropoutMask");
    } else if (r.graph->dropoutSize() != 0) {
      throw CallError("dropoutMask is required: the graph has dropout");
    }
    return number(env, r.graph->gradient(r.params, r.x, labels, r.count, grad, mask));
  });
}

// graphEvaluate(handle, params, x, count, labels, populationStats) -> [loss sum, correct]
napi_value graphEvaluate(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() {
    auto args = arguments(env, info, 6);
    Rows r = rowsOf(env, args);
    const int32_t* labels = typedArray<int32_t>(env, args[4], napi_int32_array, r.count, "labels");
    const float* stats = typedArray<float>(env, args[5], napi_float32_array, r.graph->statsSize(), "populationStats");
    double total = 0;
    int64_t correct = 0;
    r.graph->evaluate(r.params, r.x, labels, r.count, stats, &total, &correct);
    return numbers(env, {total, static_cast<double>(correct)});
  });
}

// graphBatchStatistics(handle, params, x, count, stats): each batch norm's batch mean and variance
napi_value graphBatchStatistics(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() {
    auto args = arguments(env, info, 5);
    Rows r = rowsOf(env, args);
    float* stats = typedArray<float>(env, args[4], napi_float32_array, r.graph->statsSize(), "stats");
    r.graph->batchStatistics(r.params, r.x, r.count, stats);
    return static_cast<napi_value>(nullptr);
  });
}

napi_value destroyGraph(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() {
    destroyOwned<Graph>(env, arguments(env, info, 1)[0]);
    return static_cast<napi_value>(nullptr);
  });
}

}  // namespace

void registerGraphFunctions(napi_env env, napi_value exports) {
  defineFunctions(env, exports,
                  {{"createGraph", createGraph},
                   {"graphSizes", graphSizes},
                   {"graphGradient", graphGradient},
                   {"graphEvaluate", graphEvaluate},
                   {"graphBatchStatistics", graphBatchStatistics},
                   {"destroyGraph", destroyGraph}});
}

}  // namespace mlnative
