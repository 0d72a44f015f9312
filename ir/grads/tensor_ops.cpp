// Gradient rules of the structural ops: concat slices dy, flatten and
// reshape reshape it back, transpose transposes it.
#include "ir/errors.h"
#include "ir/grads/grad_rules.h"
#include "ir/ops/op_helpers.h"

namespace kiln::ir::grads {

// add: ir/grads/broadcast.cpp (it may broadcast).

void grad_concat(GradContext &c) {
  const int axis = ops::resolve_axis(c.attrs().get_int("axis"), c.type(c.dy()).rank(), "concat");
  int64_t start = 0;
  for (size_t k = 0; k < c.num_inputs(); k++) {
    const int64_t length = c.shape(c.input(k))[axis];
    if (c.needs(k)) {
      Attrs a;
      a.set("axis", int64_t{axis});
      a.set("start", start);
      a.set("length", length);
      c.set_dx(k, c.emit("slice", "grad_x" + std::to_string(k), {c.dy()}, a));
    }
    start += length;
  }
}

void grad_reshape(GradContext &c) {
  Attrs a;
  a.set("shape", c.shape(c.input(0)));
  c.set_dx(0, c.emit("reshape", "grad_x", {c.dy()}, a));
}

void grad_flatten(GradContext &c) { grad_reshape(c); }

void grad_transpose(GradContext &c) { c.set_dx(0, c.emit("transpose", "grad_x", {c.dy()})); }

}  // namespace kiln::ir::grads
