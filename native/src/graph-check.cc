#include "graph-check.h"
#include <stdexcept>
#include <string>

namespace mlnative {

namespace {

Shape inputShape(int input, size_t index, const std::vector<Shape>& shapes, const Shape& image, const std::string& where) {
  if (input == kImage) return image;
  if (input < 0 || static_cast<size_t>(input) >= index) throw std::invalid_argument(where + ": input " + std::to_string(input) + " is not an earlier node");
  return shapes[input];
}

size_t convParams(const OpSpec& s, const std::string& where) {
  if (s.kernel < 1 || s.stride < 1) throw std::invalid_argument(where + ": kernel and stride must be positive");
  if (s.flag != 0 && s.outChannels != s.channels) throw std::invalid_argument(where + ": a depthwise convolution keeps its channels");
  return static_cast<size_t>(s.kernel) * s.kernel * s.channels * (s.flag != 0 ? 1 : s.outChannels);
}

}  // namespace

NodeFacts checkNode(const OpSpec& s, size_t index, const std::vector<Shape>& shapes, const Shape& image) {
  const std::string where = "node " + std::to_string(index);
  const Shape declared{s.height, s.width, s.channels};
  if (s.height < 1 || s.width < 1 || s.channels < 1) throw std::invalid_argument(where + ": sizes must be positive");
  if (!(inputShape(s.input, index, shapes, image, where) == declared)) throw std::invalid_argument(where + ": declared input shape differs from its input's");
  const bool twoInputs = s.kind == OpKind::Add || s.kind == OpKind::SqueezeExciteScale;
  if (twoInputs) {
    const Shape second = inputShape(s.input2, index, shapes, image, where);
    const Shape expected = s.kind == OpKind::Add ? declared : Shape{1, 1, s.channels};
    if (!(second == expected)) throw std::invalid_argument(where + ": second input has the wrong shape");
  }
  switch (s.kind) {
    case OpKind::Conv:
      if (s.outChannels < 1) throw std::invalid_argument(where + ": filters must be positive");
      return {{(s.height + s.stride - 1) / s.stride, (s.width + s.stride - 1) / s.stride, s.outChannels}, convParams(s, where), 0};
    case OpKind::BatchNorm:
      return {declared, 2 * static_cast<size_t>(s.channels), 2 * static_cast<size_t>(s.channels)};
    case OpKind::Relu:
    case OpKind::HardSwish:
    case OpKind::Add:
    case OpKind::SqueezeExciteScale:
    case OpKind::Dropout:
      return {declared, 0, 0};
    case OpKind::GlobalAveragePool:
      return {{1, 1, s.channels}, 0, 0};
    case OpKind::Dense:
      if (s.height != 1 || s.width != 1 || s.outChannels < 1) throw std::invalid_argument(where + ": dense needs a 1×1×in input and positive units");
      return {{1, 1, s.outChannels}, static_cast<size_t>(s.channels) * s.outChannels + s.outChannels, 0};
  }
  throw std::invalid_argument(where + ": unknown operation " + std::to_string(static_cast<int>(s.kind)));
}

}  // namespace mlnative
