// lrn: local response normalization across channels (ir/ops/lrn.h).
#include "ir/ops/lrn.h"

#include "ir/grads/grad_rules.h"
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

LrnWindow lrn_window(int64_t size) { return {(size - 1) / 2, size / 2}; }

OpDef def_lrn() {
  OpDef d;
  d.name = "lrn";
  d.doc = "x / (bias + alpha / size * sum of x^2 over `size` neighbouring channels)^beta";
  d.inputs = {{"x"}};
  d.attrs = {
      {"size", AttrKind::Int, std::nullopt, "channels in the window (ONNX's size)"},
      {"alpha", AttrKind::Float, 1e-4, "the scale; divided by size"},
      {"beta", AttrKind::Float, 0.75, "the exponent"},
      {"bias", AttrKind::Float, 1.0, "added before the power (k in AlexNet); positive"},
  };
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    if (in[0].rank() < 2)
      throw UserError("x must have rank 2 or more (channels on axis 1), got " +
                      shape_str(in[0].shape));
    if (a.get_int("size") < 1)
      throw UserError("size must be at least 1, got " + std::to_string(a.get_int("size")));
    if (!(a.get_float("bias") > 0))
      throw UserError("bias must be positive, got " + attr_str(a.get("bias")));
    return std::vector<TensorType>{in[0]};
  };
  // Per element: a square and an add per channel in the window, then the
  // scale, the power (counted as 2) and the multiply.
  d.cost = [](const Attrs &a, const std::vector<TensorType> &, const std::vector<TensorType> &out) {
    return elementwise_cost(out, 2 * a.get_int("size") + 4);
  };
  d.grad = grads::grad_lrn;
  return d;
}

}  // namespace kiln::ir::ops
