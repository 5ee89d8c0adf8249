// Checks a graph description node by node and derives each node's output shape, parameter count
// and batch-norm statistics size; the first inconsistency throws std::invalid_argument naming it.
#pragma once
#include <vector>
#include "graph.h"

namespace mlnative {

struct NodeFacts {
  Shape output;
  size_t params;
  size_t stats;
};

NodeFacts checkNode(const OpSpec& s, size_t index, const std::vector<Shape>& shapes, const Shape& image);

}  // namespace mlnative
