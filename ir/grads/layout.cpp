// Gradient rules of the layout ops: slice pads dy with zeros back to the
// input's shape, pad (constant mode) slices the padding off, permute
// permutes dy back with the inverse permutation.
#include "ir/errors.h"
#include "ir/grads/grad_rules.h"
#include "ir/ops/op_helpers.h"

namespace kiln::ir::grads {

void grad_slice(GradContext &c) {
  const Shape x = c.shape(c.input(0));
  const int rank = static_cast<int>(x.size());
  const int axis = ops::resolve_axis(c.attrs().get_int("axis"), rank, "slice");
  const int64_t start = c.attrs().get_int("start"), length = c.attrs().get_int("length");
  if (c.attrs().has("step") && c.attrs().get_int("step") != 1)
    throw UserError("node '" + c.node().name +
                    "': slice with a step other than 1 has no gradient rule yet");
  std::vector<int64_t> pads(2 * rank, 0);
  pads[axis] = start;
  pads[rank + axis] = x[axis] - start - length;
  Attrs a;
  a.set("pads", pads);
  a.set("mode", std::string("constant"));
  a.set("value", 0.0);
  c.set_dx(0, c.emit("pad", "grad_x", {c.dy()}, a));
}

void grad_pad(GradContext &c) {
  if (c.attrs().get_string("mode") != "constant")
    throw UserError("node '" + c.node().name + "': pad in " + c.attrs().get_string("mode") +
                    " mode has no gradient rule yet (constant mode has)");
  const Shape x = c.shape(c.input(0));
  const std::vector<int64_t> &pads = c.attrs().get_ints("pads");
  const int rank = static_cast<int>(x.size());
  int g = c.dy();
  for (int k = 0; k < rank; k++) {
    if (pads[k] == 0 && pads[rank + k] == 0) continue;
    Attrs a;
    a.set("axis", int64_t{k});
    a.set("start", pads[k]);
    a.set("length", x[k]);
    g = c.emit("slice", "grad_x_axis" + std::to_string(k), {g}, a);
  }
  c.set_dx(0, g);
}

void grad_permute(GradContext &c) {
  const std::vector<int64_t> &perm = c.attrs().get_ints("perm");
  std::vector<int64_t> inverse(perm.size());
  for (size_t k = 0; k < perm.size(); k++) inverse[perm[k]] = static_cast<int64_t>(k);
  Attrs a;
  a.set("perm", inverse);
  c.set_dx(0, c.emit("permute", "grad_x", {c.dy()}, a));
}

}  // namespace kiln::ir::grads
