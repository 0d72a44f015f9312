// Backward ops of the activations, from the forward output y so the input
// need not be kept: relu_backward dx = dy * (y > 0), sigmoid_backward
// dx = dy * y * (1 - y), tanh_backward dx = dy * (1 - y^2), and
// softmax_backward dx = y * (dy - sum(dy * y)) along `axis`.
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

namespace {

OpDef backward_from_output(const std::string &name, const std::string &doc, int64_t flops) {
  OpDef d;
  d.name = name;
  d.internal = true;
  d.doc = doc;
  d.inputs = {{"dy"}, {"y"}};
  d.infer = [](const Attrs &, const std::vector<TensorType> &in) {
    expect_shape(in[1], in[0].shape, "y");
    return std::vector<TensorType>{in[0]};
  };
  d.cost = [flops](const Attrs &, const std::vector<TensorType> &,
                   const std::vector<TensorType> &out) { return elementwise_cost(out, flops); };
  return d;
}

}  // namespace

OpDef def_relu_backward() { return backward_from_output("relu_backward", "dy * (y > 0)", 1); }
OpDef def_sigmoid_backward() {
  return backward_from_output("sigmoid_backward", "dy * y * (1 - y)", 3);
}
OpDef def_tanh_backward() { return backward_from_output("tanh_backward", "dy * (1 - y * y)", 3); }

OpDef def_softmax_backward() {
  OpDef d = backward_from_output("softmax_backward", "y * (dy - sum(dy * y)) along `axis`", 4);
  d.attrs = {{"axis", AttrKind::Int, int64_t{-1}, "the softmax's axis (negative: from the end)"}};
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    expect_shape(in[1], in[0].shape, "y");
    resolve_axis(a.get_int("axis"), in[0].rank(), "softmax_backward");
    return std::vector<TensorType>{in[0]};
  };
  return d;
}

}  // namespace kiln::ir::ops
