// Halide lowering of slice (rows of [outer, length * inner] copied out of
// [outer, len * inner]), reshape (a copy) and the 2-D transpose (tiles).
#include "codegen/ops/copy_kernel.h"
#include "codegen/ops/train_lower_util.h"
#include "ir/ops/op_helpers.h"

namespace kiln::codegen::ops {

using namespace Halide;

LoweredKernel lower_slice(const LowerRequest &req) {
  const ir::Shape &s = req.inputs[0].shape;
  const int rank = static_cast<int>(s.size());
  const int axis = ir::ops::resolve_axis(req.node.attrs.get_int("axis"), rank, "slice");
  const int64_t outer = span(s, 0, axis), inner = span(s, axis + 1, rank);
  const int64_t start = req.node.attrs.get_int("start"), length = req.node.attrs.get_int("length");
  const int64_t step = req.node.attrs.has("step") ? req.node.attrs.get_int("step") : 1;
  if (step != 1) {  // entries start + k * step: views [outer, axis, inner]
    ir::Shape in_view = {outer, s[axis], inner}, out_view = {outer, length, inner};
    ImageParam x = make_input(in_view, "x");
    Var i("i"), k("k"), o("o");
    Func out("kiln_slice");
    out(i, k, o) = x(i, extent(start) + k * static_cast<int>(step), o);
    const int vw = natural_vector_width(req.target);
    if (inner >= vw) out.vectorize(i, vw, TailStrategy::GuardWithIf);
    if (outer * length * inner >= schedules::kParallelThreshold) out.parallel(o);
    return make_kernel(out, {x}, {in_view}, out_view, "strided row copies");
  }
  ir::Shape in_view = {outer, s[axis] * inner}, out_view = {outer, length * inner};
  ImageParam x = make_input(in_view, "x");
  Var j("j"), o("o");
  Func out("kiln_slice");
  out(j, o) = x(j + extent(start * inner), o);
  const int vw = natural_vector_width(req.target);
  if (length * inner >= vw) out.vectorize(j, vw, TailStrategy::GuardWithIf);
  if (outer * length * inner >= schedules::kParallelThreshold) out.parallel(o);
  return make_kernel(out, {x}, {in_view}, out_view, "row copies");
}

LoweredKernel lower_reshape(const LowerRequest &req) { return lower_copy(req, "kiln_reshape"); }

LoweredKernel lower_transpose(const LowerRequest &req) {
  const ir::Shape &s = req.inputs[0].shape;
  ImageParam x = make_input(s, "x");
  Var i("i"), j("j"), io("io"), jo("jo"), ii("ii"), ji("ji");
  Func out("kiln_transpose");
  out(i, j) = x(j, i);  // out [s1, s0]: Halide (i < s0, j < s1)
  const int vw = natural_vector_width(req.target);
  if (s[0] >= vw && s[1] >= vw) {
    out.tile(i, j, io, jo, ii, ji, vw, vw, TailStrategy::GuardWithIf).vectorize(ii).unroll(ji);
    if (s[0] * s[1] >= schedules::kParallelThreshold) out.parallel(jo);
  }
  return make_kernel(out, {x}, {s}, {s[1], s[0]}, "tiles of vector x vector");
}

}  // namespace kiln::codegen::ops
