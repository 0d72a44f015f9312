// Activations: elementwise relu, sigmoid, tanh, and softmax along an axis.
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

namespace {

OpDef unary(const std::string &name, const std::string &doc, int64_t flops_per_element) {
  OpDef d;
  d.name = name;
  d.doc = doc;
  d.inputs = {{"x"}};
  d.infer = [](const Attrs &, const std::vector<TensorType> &in) {
    return std::vector<TensorType>{in[0]};
  };
  d.cost = [flops_per_element](const Attrs &, const std::vector<TensorType> &,
                               const std::vector<TensorType> &out) {
    return elementwise_cost(out, flops_per_element);
  };
  return d;
}

}  // namespace

OpDef def_relu() { return unary("relu", "max(x, 0)", 1); }
OpDef def_sigmoid() { return unary("sigmoid", "1 / (1 + exp(-x))", 4); }
OpDef def_tanh() { return unary("tanh", "hyperbolic tangent", 4); }

OpDef def_softmax() {
  OpDef d = unary("softmax", "exp(x - max) / sum(exp(x - max)) along `axis`", 5);
  d.attrs = {{"axis", AttrKind::Int, int64_t{-1}, "the axis normalized (negative: from the end)"}};
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    resolve_axis(a.get_int("axis"), in[0].rank(), "softmax");
    return std::vector<TensorType>{in[0]};
  };
  return d;
}

}  // namespace kiln::ir::ops
