// Reference activations: relu, sigmoid, tanh (elementwise, in double) and
// softmax along an axis (max-subtracted).
#include <algorithm>
#include <cmath>

#include "ir/ops/op_helpers.h"
#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

namespace {

template <typename F>
std::vector<Tensor> unary(const ir::Node &node, const std::vector<const Tensor *> &in, F f) {
  std::vector<Tensor> out = make_outputs(node, in);
  for (int64_t k = 0; k < in[0]->numel(); k++)
    out[0].data[k] = static_cast<float>(f(static_cast<double>(in[0]->data[k])));
  return out;
}

}  // namespace

std::vector<Tensor> ref_relu(const ir::Node &n, const std::vector<const Tensor *> &in) {
  return unary(n, in, [](double v) { return v > 0 ? v : 0.0; });
}
std::vector<Tensor> ref_sigmoid(const ir::Node &n, const std::vector<const Tensor *> &in) {
  return unary(n, in, [](double v) { return 1.0 / (1.0 + std::exp(-v)); });
}
std::vector<Tensor> ref_tanh(const ir::Node &n, const std::vector<const Tensor *> &in) {
  return unary(n, in, [](double v) { return std::tanh(v); });
}

std::vector<Tensor> ref_softmax(const ir::Node &node, const std::vector<const Tensor *> &in) {
  const Tensor &x = *in[0];
  std::vector<Tensor> out = make_outputs(node, in);
  int axis = ir::ops::resolve_axis(node.attrs.get_int("axis"), static_cast<int>(x.shape.size()), "softmax");
  int64_t outer, inner;
  split_axis(x.shape, axis, &outer, &inner);
  const int64_t len = x.shape[axis];
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < inner; i++) {
      auto at = [&](int64_t k) { return (o * len + k) * inner + i; };
      double m = x.data[at(0)], sum = 0;
      for (int64_t k = 1; k < len; k++) m = std::max(m, static_cast<double>(x.data[at(k)]));
      for (int64_t k = 0; k < len; k++) sum += std::exp(x.data[at(k)] - m);
      for (int64_t k = 0; k < len; k++) out[0].data[at(k)] = static_cast<float>(std::exp(x.data[at(k)] - m) / sum);
    }
  return out;
}

}  // namespace kiln::reference::ops
