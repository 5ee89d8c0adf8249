// The process-wide oneDNN engine, each thread's stream (CPU), and a buffer type for activations.
#pragma once
#include <vector>
#include "dnnl.hpp"

namespace mlnative {

dnnl::engine& cpuEngine();
dnnl::stream& cpuStream();

// A memory object over floats someone else owns (its handle is set before every use).
inline dnnl::memory unboundMemory(const dnnl::memory::desc& md) {
  return dnnl::memory(md, cpuEngine(), DNNL_MEMORY_NONE);
}

inline void bind(dnnl::memory& m, const float* data) {
  m.set_data_handle(const_cast<float*>(data));
}

// When the primitive wants the weights in another format than the user's, a reorder between the
// two; otherwise the user's memory is used as it is.
class FormatBridge {
 public:
  FormatBridge(const dnnl::memory::desc& user, const dnnl::memory::desc& lib);
  // user -> lib (weights before a primitive reads them).
  dnnl::memory& toLib(const float* userData);
  // lib -> user (weight gradients after a primitive wrote them); call after the primitive ran.
  dnnl::memory& libTarget(float* userData);
  void fromLib();

 private:
  dnnl::memory user_;
  dnnl::memory lib_;
  std::vector<float> libBuffer_;
  bool same_;
  dnnl::reorder toLibReorder_;    // created once: primitive creation costs more than a small reorder
  dnnl::reorder fromLibReorder_;
};

}  // namespace mlnative
