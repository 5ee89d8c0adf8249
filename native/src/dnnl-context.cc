#include "dnnl-context.h"

namespace mlnative {

dnnl::engine& cpuEngine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

// One per thread: the network runs slices of a batch on several threads at once (network.cc).
dnnl::stream& cpuStream() {
  static thread_local dnnl::stream stream(cpuEngine());
  return stream;
}

FormatBridge::FormatBridge(const dnnl::memory::desc& user, const dnnl::memory::desc& lib)
    : user_(unboundMemory(user)), same_(user == lib) {
  if (same_) {
    lib_ = user_;
  } else {
    libBuffer_.resize(lib.get_size() / sizeof(float));
    lib_ = dnnl::memory(lib, cpuEngine(), libBuffer_.data());
    toLibReorder_ = dnnl::reorder(user_, lib_);
    fromLibReorder_ = dnnl::reorder(lib_, user_);
  }
}

dnnl::memory& FormatBridge::toLib(const float* userData) {
  bind(user_, userData);
  if (!same_) toLibReorder_.execute(cpuStream(), user_, lib_);
  return lib_;
}

dnnl::memory& FormatBridge::libTarget(float* userData) {
  bind(user_, userData);
  return lib_;
}

void FormatBridge::fromLib() {
  if (!same_) fromLibReorder_.execute(cpuStream(), lib_, user_);
}

}  // namespace mlnative
