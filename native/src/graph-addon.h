// Node-API bindings of graph networks (graph.h), added to the addon's exports by addon.cc.
#pragma once
#include <node_api.h>

namespace mlnative {

void registerGraphFunctions(napi_env env, napi_value exports);

}  // namespace mlnative
