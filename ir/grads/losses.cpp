// Gradient rule of the losses: each loss op computes its gradient with
// respect to the prediction as its second output, scaled for the loss
// itself; a loss used further down is scaled by its own gradient.
#include "ir/grads/grad_rules.h"

namespace kiln::ir::grads {

void grad_loss(GradContext &c) {
  if (c.is_seed(0)) {
    c.set_dx(0, c.output(1));
    return;
  }
  c.set_dx(0, c.emit("mul", "grad_x", {c.output(1), c.dy(0)}));
}

}  // namespace kiln::ir::grads
