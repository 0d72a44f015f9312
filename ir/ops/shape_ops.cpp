// Ops that move elements without arithmetic, used by gradient rules:
//   slice(x)     the `length` entries of axis `axis` from `start` (concat's gradient)
//   reshape(x)   the same row-major elements seen with `shape` (flatten's gradient)
//   transpose(x) [a, b] -> [b, a] (dense's gradients)
#include "ir/grads/grad_rules.h"
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

namespace {

Cost free_cost(const Attrs &, const std::vector<TensorType> &, const std::vector<TensorType> &) {
  return Cost{};
}

}  // namespace

OpDef def_slice() {
  OpDef d;
  d.name = "slice";
  d.doc = "entries start, start + step, ... (length of them) along `axis`";
  d.inputs = {{"x"}};
  d.attrs = {{"axis", AttrKind::Int, std::nullopt, "the axis sliced (negative: from the end)"},
             {"start", AttrKind::Int, std::nullopt, "the first entry kept"},
             {"length", AttrKind::Int, std::nullopt, "how many entries are kept"},
             // Absent unless set (1), so that graphs without it print and
             // hash as before.
             {"step",
              AttrKind::Int,
              std::nullopt,
              "distance between kept entries, negative backwards (default 1; ONNX Slice's steps)",
              {},
              true}};
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    int axis = resolve_axis(a.get_int("axis"), in[0].rank(), "slice");
    int64_t start = a.get_int("start"), length = a.get_int("length");
    const int64_t step = a.has("step") ? a.get_int("step") : 1;
    if (step == 0) throw UserError("slice step must not be 0");
    const int64_t last = start + (length - 1) * step;
    if (start < 0 || length <= 0 || start >= in[0].shape[axis] || last < 0 ||
        last >= in[0].shape[axis])
      throw UserError("slice of " + std::to_string(length) + " from " + std::to_string(start) +
                      " by " + std::to_string(step) + " does not fit axis " +
                      std::to_string(axis) + " of " + shape_str(in[0].shape));
    TensorType out = in[0];
    out.shape[axis] = length;
    return std::vector<TensorType>{out};
  };
  d.cost = free_cost;
  d.grad = grads::grad_slice;
  return d;
}

OpDef def_reshape() {
  OpDef d;
  d.name = "reshape";
  d.doc = "the same row-major elements with another shape";
  d.inputs = {{"x"}};
  d.attrs = {{"shape", AttrKind::Ints, std::nullopt, "the new shape (same element count)"}};
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    Shape shape = a.get_ints("shape");
    for (int64_t s : shape)
      if (s <= 0)
        throw UserError("every dimension of the shape must be positive, got " + shape_str(shape));
    if (numel(shape) != in[0].numel())
      throw UserError("cannot reshape " + shape_str(in[0].shape) + " to " + shape_str(shape) +
                      ": the element counts differ");
    return std::vector<TensorType>{{DType::F32, shape}};
  };
  d.cost = free_cost;
  d.grad = grads::grad_reshape;
  return d;
}

OpDef def_transpose() {
  OpDef d;
  d.name = "transpose";
  d.doc = "a 2-D transpose: [a, b] -> [b, a]";
  d.inputs = {{"x"}};
  d.infer = [](const Attrs &, const std::vector<TensorType> &in) {
    expect_rank(in[0], 2, "the input");
    return std::vector<TensorType>{{DType::F32, {in[0].shape[1], in[0].shape[0]}}};
  };
  d.cost = free_cost;
  d.grad = grads::grad_transpose;
  return d;
}

}  // namespace kiln::ir::ops
