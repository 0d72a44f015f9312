// Halide lowering of log_softmax (ir/ops/log_softmax.cpp) over the input
// seen as [outer, axis, inner]: per outer position the max and the sum of
// exponentials down the axis, then x - max - log(sum); vectorized along inner
// when it is long enough, parallel over outer.
#include <limits>

#include "codegen/ops/lower_util.h"
#include "codegen/schedules/memory_bound.h"
#include "ir/ops/op_helpers.h"

namespace kiln::codegen::ops {

using namespace Halide;

LoweredKernel lower_log_softmax(const LowerRequest &req) {
  const ir::Shape &s = req.inputs[0].shape;
  const int rank = static_cast<int>(s.size());
  const int axis = ir::ops::resolve_axis(req.node.attrs.get_int("axis"), rank, "log_softmax");
  const int64_t outer = span(s, 0, axis), len = s[axis], inner = span(s, axis + 1, rank);
  ir::Shape view = {outer, len, inner};
  ImageParam x = make_input(view, "x");
  Var i("i"), a("a"), o("o");
  RDom r(0, extent(len), "r");
  Func mx("max"), sum("sum"), out("kiln_log_softmax");
  mx(i, o) = Expr(-std::numeric_limits<float>::infinity());
  mx(i, o) = max(mx(i, o), x(i, r, o));
  sum(i, o) = 0.0f;
  sum(i, o) += exp(x(i, r, o) - mx(i, o));
  out(i, a, o) = x(i, a, o) - mx(i, o) - log(sum(i, o));
  const int vw = natural_vector_width(req.target);
  out.reorder(i, a, o);
  mx.compute_at(out, o);
  sum.compute_at(out, o);
  if (inner >= vw) {
    out.vectorize(i, vw, TailStrategy::GuardWithIf);
    for (Func f : {mx, sum}) {
      f.vectorize(i, vw, TailStrategy::GuardWithIf);
      f.update().reorder(i, r).vectorize(i, vw, TailStrategy::GuardWithIf);
    }
  } else if (len >= vw) {
    out.vectorize(a, vw, TailStrategy::GuardWithIf);
  }
  if (outer > 1 && outer * len * inner >= schedules::kParallelThreshold) out.parallel(o);
  return make_kernel(out, {x}, {view}, view, "max, sum of exponentials and log per row");
}

}  // namespace kiln::codegen::ops
