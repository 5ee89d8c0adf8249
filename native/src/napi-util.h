// Helpers the Node-API bindings share: argument reading, typed-array checks (wrong type or length
// throws instead of corrupting memory) and C++ exceptions turned into JavaScript errors.
#pragma once
#include <node_api.h>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <string>
#include <vector>

namespace mlnative {

struct CallError : std::exception {
  explicit CallError(std::string m) : message(std::move(m)) {}
  std::string message;
};

inline void check(napi_status status, const char* what) {
  if (status != napi_ok) throw CallError(std::string("native engine: ") + what);
}

inline std::vector<napi_value> arguments(napi_env env, napi_callback_info info, size_t expected) {
  std::vector<napi_value> args(expected);
  size_t count = expected;
  check(napi_get_cb_info(env, info, &count, args.data(), nullptr, nullptr), "reading arguments");
  if (count < expected) throw CallError("native engine: expected " + std::to_string(expected) + " arguments");
  return args;
}

inline size_t typedArrayLength(napi_env env, napi_value value, const char* name) {
  size_t length = 0;
  check(napi_get_typedarray_info(env, value, nullptr, &length, nullptr, nullptr, nullptr), name);
  return length;
}

template <typename T>
T* typedArray(napi_env env, napi_value value, napi_typedarray_type type, size_t expectedLength, const char* name) {
  bool isTyped = false;
  check(napi_is_typedarray(env, value, &isTyped), name);
  if (!isTyped) throw CallError(std::string(name) + " must be a typed array");
  napi_typedarray_type actual;
  size_t length = 0;
  void* data = nullptr;
  check(napi_get_typedarray_info(env, value, &actual, &length, &data, nullptr, nullptr), name);
  if (actual != type) throw CallError(std::string(name) + " has the wrong element type");
  if (expectedLength != SIZE_MAX && length != expectedLength) {
    throw CallError(std::string(name) + " has length " + std::to_string(length) + ", expected " + std::to_string(expectedLength));
  }
  return static_cast<T*>(data);
}

inline int32_t intArg(napi_env env, napi_value value, const char* name) {
  int32_t result = 0;
  check(napi_get_value_int32(env, value, &result), name);
  return result;
}

inline napi_value number(napi_env env, double value) {
  napi_value result;
  check(napi_create_double(env, value, &result), "result");
  return result;
}

struct Binding {
  const char* name;
  napi_callback function;
};

// Sets exports.<name> = function for each binding (module initialisation: no exception may escape).
inline napi_status defineFunctions(napi_env env, napi_value exports, std::initializer_list<Binding> bindings) {
  std::vector<napi_property_descriptor> descriptors;
  for (const Binding& b : bindings) descriptors.push_back({b.name, nullptr, b.function, nullptr, nullptr, nullptr, napi_default, nullptr});
  return napi_define_properties(env, exports, descriptors.size(), descriptors.data());
}

// Runs a binding body and turns C++ exceptions into JavaScript errors.
template <typename Body>
napi_value guarded(napi_env env, Body body) {
  try {
    return body();
  } catch (const CallError& e) {
    napi_throw_error(env, nullptr, e.message.c_str());
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, (std::string("native engine: ") + e.what()).c_str());
  }
  return nullptr;
}

}  // namespace mlnative
