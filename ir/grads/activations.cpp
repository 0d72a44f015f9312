// Gradient rules of the activations, from their output y.
#include "ir/grads/grad_rules.h"

namespace kiln::ir::grads {

namespace {

void from_output(GradContext &c, const std::string &op, Attrs attrs = {}) {
  c.set_dx(0, c.emit(op, "grad_x", {c.dy(), c.output(0)}, std::move(attrs)));
}

}  // namespace

void grad_relu(GradContext &c) { from_output(c, "relu_backward"); }
void grad_sigmoid(GradContext &c) { from_output(c, "sigmoid_backward"); }
void grad_tanh(GradContext &c) { from_output(c, "tanh_backward"); }

void grad_softmax(GradContext &c) {
  Attrs a;
  a.set("axis", c.attrs().get("axis"));
  from_output(c, "softmax_backward", a);
}

}  // namespace kiln::ir::grads
