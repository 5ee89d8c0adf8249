// An engine object owned by a JavaScript value (an external): freed when the value is collected,
// or earlier by the binding's destroy, after which a call throws instead of touching freed memory.
#pragma once
#include <node_api.h>
#include <memory>
#include "napi-util.h"

namespace mlnative {

template <typename T>
struct Owned {
  std::unique_ptr<T> object;
};

template <typename T>
napi_value wrapOwned(napi_env env, std::unique_ptr<T> object) {
  auto* owned = new Owned<T>{std::move(object)};
  napi_value external;
  const napi_status status =
      napi_create_external(env, owned, [](napi_env, void* data, void*) { delete static_cast<Owned<T>*>(data); }, nullptr, &external);
  if (status != napi_ok) delete owned;
  check(status, "handle");
  return external;
}

template <typename T>
Owned<T>& ownedOf(napi_env env, napi_value value) {
  void* data = nullptr;
  check(napi_get_value_external(env, value, &data), "handle");
  return *static_cast<Owned<T>*>(data);
}

// The object, or a CallError with `destroyed` once the binding's destroy has run.
template <typename T>
T& unwrapOwned(napi_env env, napi_value value, const char* destroyed) {
  Owned<T>& owned = ownedOf<T>(env, value);
  if (!owned.object) throw CallError(destroyed);
  return *owned.object;
}

template <typename T>
void destroyOwned(napi_env env, napi_value value) {
  ownedOf<T>(env, value).object.reset();
}

}  // namespace mlnative
