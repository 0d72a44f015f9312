// Halide lowering of reduce_mean (ir/ops/reduce.cpp): the input seen as
// [outer, reduced, inner]; each output sums its column in float32, vectorized
// along inner when it is long enough, parallel over outer.
#include "codegen/ops/lower_util.h"
#include "codegen/schedules/memory_bound.h"
#include "ir/ops/op_helpers.h"

namespace kiln::codegen::ops {

using namespace Halide;

LoweredKernel lower_reduce_mean(const LowerRequest &req) {
  const ir::Shape &s = req.inputs[0].shape;
  const std::vector<int64_t> &axes = req.node.attrs.get_ints("axes");
  const int rank = static_cast<int>(s.size());
  const int first = ir::ops::resolve_axis(axes.front(), rank, "reduce_mean");
  const int last = ir::ops::resolve_axis(axes.back(), rank, "reduce_mean");
  const int64_t outer = span(s, 0, first), reduced = span(s, first, last + 1),
                inner = span(s, last + 1, rank);
  ir::Shape in_view = {outer, reduced, inner}, out_view = {outer, inner};
  ImageParam x = make_input(in_view, "x");
  Var i("i"), o("o");
  RDom r(0, extent(reduced), "r");
  Func sum("sum"), out("kiln_reduce_mean");
  sum(i, o) = 0.0f;
  sum(i, o) += x(i, r, o);
  out(i, o) = sum(i, o) * (1.0f / static_cast<float>(reduced));
  const int vw = natural_vector_width(req.target);
  sum.compute_at(out, o);
  if (inner >= vw) {
    out.vectorize(i, vw, TailStrategy::GuardWithIf);
    sum.vectorize(i, vw, TailStrategy::GuardWithIf);
    sum.update().reorder(i, r).vectorize(i, vw, TailStrategy::GuardWithIf);
  }
  if (outer > 1 && outer * reduced * inner >= schedules::kParallelThreshold) out.parallel(o);
  return make_kernel(out, {x}, {in_view}, out_view, "column sums over [outer, reduced, inner]");
}

}  // namespace kiln::codegen::ops
