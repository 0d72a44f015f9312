// empty: a tensor with no elements (a dimension of size 0), for an ONNX graph
// output that is empty (a Slice past the end, a Split part of size 0, ...):
// the output exists with its shape, and nothing computes or writes it (the
// library compiles no kernel for it: codegen/compile_library.cpp).
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef def_empty() {
  OpDef d;
  d.name = "empty";
  d.doc = "a tensor with no elements (some dimension 0)";
  d.attrs = {
      {"shape", AttrKind::Ints, std::nullopt, "the shape: non-negative, at least one dimension 0"}};
  d.infer = [](const Attrs &a, const std::vector<TensorType> &) {
    const std::vector<int64_t> &shape = a.get_ints("shape");
    for (int64_t s : shape)
      if (s < 0) throw UserError("dimensions must not be negative, got " + shape_str(shape));
    if (shape.empty() || numel(shape) != 0)
      throw UserError("the shape must have a dimension 0, got " + shape_str(shape));
    return std::vector<TensorType>{{DType::F32, shape}};
  };
  d.cost = [](const Attrs &, const std::vector<TensorType> &, const std::vector<TensorType> &) {
    return Cost{};
  };
  return d;
}

}  // namespace kiln::ir::ops
