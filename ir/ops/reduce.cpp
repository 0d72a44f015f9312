// reduce_mean: the mean over consecutive axes, which stay as size 1 (ONNX
// ReduceMean with keepdims; the importer reshapes for keepdims = 0 and
// splits non-consecutive axes into several reductions).
#include "ir/grads/grad_rules.h"
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef def_reduce_mean() {
  OpDef d;
  d.name = "reduce_mean";
  d.doc = "mean over consecutive axes, kept as size 1";
  d.inputs = {{"x"}};
  d.attrs = {{"axes", AttrKind::Ints, std::nullopt,
              "the axes averaged: consecutive, increasing (negative: from the end)"}};
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    const std::vector<int64_t> &axes = a.get_ints("axes");
    if (axes.empty()) throw UserError("axes must not be empty");
    Shape out = in[0].shape;
    int previous = -1;
    for (int64_t axis : axes) {
      int k = resolve_axis(axis, in[0].rank(), "reduce_mean");
      if (previous >= 0 && k != previous + 1)
        throw UserError("axes must be consecutive and increasing, got " + attr_str(axes));
      previous = k;
      out[k] = 1;
    }
    return std::vector<TensorType>{{DType::F32, out}};
  };
  d.cost = [](const Attrs &, const std::vector<TensorType> &in, const std::vector<TensorType> &) {
    return elementwise_cost(in);
  };
  d.grad = grads::grad_reduce_mean;
  return d;
}

}  // namespace kiln::ir::ops
