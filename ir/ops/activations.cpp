// Activations: the scalar activations (relu, elu, softplus, ...; the table in
// ir/ops/scalar_activations.cpp) and softmax along an axis.
#include "ir/grads/grad_rules.h"
#include "ir/ops/op_helpers.h"
#include "ir/ops/scalar_activations.h"

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

// A scalar activation whose gradient is activation_backward (from x).
OpDef with_input_grad(const std::string &name) {
  return with_grad(scalar_activation_op(name), grads::grad_scalar_activation);
}

}  // namespace

// The scalar activations, each from its entry in ir/ops/scalar_activations.h.
OpDef def_relu() { return with_grad(scalar_activation_op("relu"), grads::grad_relu); }
OpDef def_sigmoid() { return with_grad(scalar_activation_op("sigmoid"), grads::grad_sigmoid); }
OpDef def_tanh() { return with_grad(scalar_activation_op("tanh"), grads::grad_tanh); }
OpDef def_elu() { return with_input_grad("elu"); }
OpDef def_selu() { return with_input_grad("selu"); }
OpDef def_swish() { return with_input_grad("swish"); }
OpDef def_mish() { return with_input_grad("mish"); }
OpDef def_softplus() { return with_input_grad("softplus"); }
OpDef def_leaky_relu() { return with_input_grad("leaky_relu"); }
OpDef def_relu6() { return with_input_grad("relu6"); }
OpDef def_hard_sigmoid() { return with_input_grad("hard_sigmoid"); }
OpDef def_hard_swish() { return with_input_grad("hard_swish"); }
OpDef def_softsign() { return with_input_grad("softsign"); }
OpDef def_clip() { return with_input_grad("clip"); }

OpDef def_softmax() {
  OpDef d = unary("softmax", "exp(x - max) / sum(exp(x - max)) along `axis`", 5);
  d.attrs = {{"axis", AttrKind::Int, int64_t{-1}, "the axis normalized (negative: from the end)"}};
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    resolve_axis(a.get_int("axis"), in[0].rank(), "softmax");
    return std::vector<TensorType>{in[0]};
  };
  d.grad = grads::grad_softmax;
  return d;
}

}  // namespace kiln::ir::ops
