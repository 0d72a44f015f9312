// Structural ops: concat along an axis, flatten. (add: ir/ops/binary.cpp.)
#include "ir/grads/grad_rules.h"
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef def_concat() {
  OpDef d;
  d.name = "concat";
  d.doc = "concatenation along `axis` (default: channels)";
  d.inputs = {{"x", false, false, true}};
  d.attrs = {{"axis", AttrKind::Int, int64_t{1}, "the axis joined (negative: from the end)"},
             {"in_place", AttrKind::Bool, int64_t{0},
              "set by eliminate-concat: the inputs are written straight into the output, which "
              "copies nothing",
              {}, false, true}};
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    int axis = resolve_axis(a.get_int("axis"), in[0].rank(), "concat");
    TensorType out = in[0];
    for (size_t k = 1; k < in.size(); k++) {
      bool same = in[k].rank() == out.rank();
      for (int dim = 0; same && dim < out.rank(); dim++)
        same = dim == axis || in[k].shape[dim] == out.shape[dim];
      if (!same)
        throw UserError("input " + std::to_string(k) + " has shape " + shape_str(in[k].shape) +
                        ", which does not match " + shape_str(in[0].shape) +
                        " outside axis " + std::to_string(axis));
      out.shape[axis] += in[k].shape[axis];
    }
    return std::vector<TensorType>{out};
  };
  d.cost = [](const Attrs &, const std::vector<TensorType> &,
              const std::vector<TensorType> &) { return Cost{}; };
  d.grad = grads::grad_concat;
  return d;
}

OpDef def_flatten() {
  OpDef d;
  d.name = "flatten";
  d.doc = "[d0..dk-1, dk..] -> [d0*..*dk-1, dk*..] at `axis` (default 1)";
  d.inputs = {{"x"}};
  d.attrs = {{"axis", AttrKind::Int, int64_t{1}, "dimensions before it form the rows"}};
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    int64_t axis = a.get_int("axis");
    if (axis < 0 || axis > in[0].rank())
      throw UserError("axis " + std::to_string(axis) + " is out of range for rank " +
                      std::to_string(in[0].rank()));
    int64_t rows = 1, cols = 1;
    for (int k = 0; k < in[0].rank(); k++) (k < axis ? rows : cols) *= in[0].shape[k];
    return std::vector<TensorType>{{DType::F32, {rows, cols}}};
  };
  d.cost = [](const Attrs &, const std::vector<TensorType> &,
              const std::vector<TensorType> &) { return Cost{}; };
  d.grad = grads::grad_flatten;
  return d;
}

}  // namespace kiln::ir::ops
