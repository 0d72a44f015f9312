// Gradient rules of the scalar activations beyond relu, sigmoid and tanh
// (activation_backward from the input x: most derivatives are not functions
// of the output alone), of log_softmax (log_softmax_backward from the
// output) and of lrn (lrn_backward from the input).
#include "ir/grads/grad_rules.h"
#include "ir/op.h"

namespace kiln::ir::grads {

void grad_scalar_activation(GradContext &c) {
  Attrs a = normalize_attrs(get_op(c.node().op), c.attrs(), "node '" + c.node().name + "'");
  a.set("activation", c.node().op);
  c.set_dx(0, c.emit("activation_backward", "grad_x", {c.dy(), c.input(0)}, a));
}

void grad_log_softmax(GradContext &c) {
  Attrs a;
  a.set("axis", c.attrs().get("axis"));
  c.set_dx(0, c.emit("log_softmax_backward", "grad_x", {c.dy(), c.output(0)}, a));
}

void grad_lrn(GradContext &c) {
  Attrs a;
  for (const char *name : {"size", "alpha", "beta", "bias"}) a.set(name, c.attrs().get(name));
  c.set_dx(0, c.emit("lrn_backward", "grad_x", {c.dy(), c.input(0)}, a));
}

}  // namespace kiln::ir::grads
