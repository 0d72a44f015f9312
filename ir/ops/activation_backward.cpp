// activation_backward(dy, x): dx = dy * f'(x) for the scalar activation f
// named by `activation` (ir/ops/scalar_activations.h) with its attributes.
// The gradient rule of every scalar activation but relu, sigmoid and tanh,
// whose backward ops read the output instead (ir/ops/activation_grads.cpp);
// those three have derivatives here too, so any activation may be named.
// The derivative formulas are reference/ops/activation_backward.cpp
// (double) and codegen/ops/activation_backward.cpp (Halide).
#include "ir/ops/op_helpers.h"
#include "ir/ops/scalar_activations.h"

namespace kiln::ir::ops {

OpDef def_activation_backward() {
  OpDef d;
  d.name = "activation_backward";
  d.internal = true;
  d.doc = "dy * f'(x) for the scalar activation `activation`";
  d.inputs = {{"dy"}, {"x"}};
  d.attrs = {{"activation", AttrKind::String, std::nullopt, "the forward's activation",
              scalar_activation_names()}};
  // The activations' attributes, each optional: their defaults differ
  // between activations (alpha), so the activation's own OpDef fills them.
  for (AttrSpec spec : scalar_activation_attr_union()) {
    spec.default_value.reset();
    spec.optional = true;
    d.attrs.push_back(spec);
  }
  d.infer = [](const Attrs &, const std::vector<TensorType> &in) {
    expect_shape(in[1], in[0].shape, "x");
    return std::vector<TensorType>{in[0]};
  };
  d.cost = [](const Attrs &a, const std::vector<TensorType> &, const std::vector<TensorType> &out) {
    const ScalarActivation *act = find_scalar_activation(a.get_string("activation"));
    return elementwise_cost(out, 1 + (act ? act->flops : 1));
  };
  return d;
}

}  // namespace kiln::ir::ops
