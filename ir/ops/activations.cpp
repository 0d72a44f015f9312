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

}  // namespace

// The scalar activations, each from its entry in ir/ops/scalar_activations.h.
OpDef def_relu() { return with_grad(scalar_activation_op("relu"), grads::grad_relu); }
OpDef def_sigmoid() { return with_grad(scalar_activation_op("sigmoid"), grads::grad_sigmoid); }
OpDef def_tanh() { return with_grad(scalar_activation_op("tanh"), grads::grad_tanh); }
OpDef def_elu() { return scalar_activation_op("elu"); }
OpDef def_selu() { return scalar_activation_op("selu"); }
OpDef def_swish() { return scalar_activation_op("swish"); }
OpDef def_mish() { return scalar_activation_op("mish"); }
OpDef def_softplus() { return scalar_activation_op("softplus"); }
OpDef def_leaky_relu() { return scalar_activation_op("leaky_relu"); }
OpDef def_relu6() { return scalar_activation_op("relu6"); }
OpDef def_hard_sigmoid() { return scalar_activation_op("hard_sigmoid"); }
OpDef def_hard_swish() { return scalar_activation_op("hard_swish"); }
OpDef def_softsign() { return scalar_activation_op("softsign"); }
OpDef def_clip() { return scalar_activation_op("clip"); }

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
