// Halide lowering of matmul (ir/ops/matmul.cpp): out(n, m, batch...) sums
// a(k, m, batch...) * b(n, k, batch...) over k, an input's batch dimension
// of size 1 read at 0 (broadcast). Vectorized along n, parallel over the
// outermost dimension when the product is large.
#include "codegen/ops/lower_util.h"
#include "codegen/schedules/memory_bound.h"
#include "ir/ops/broadcast.h"

namespace kiln::codegen::ops {

using namespace Halide;

LoweredKernel lower_matmul(const LowerRequest &req) {
  const ir::Shape &os = req.outputs[0].shape;
  const int rank = static_cast<int>(os.size());
  // Inputs seen at the output's rank (leading 1s: same elements).
  const ir::Shape as = ir::ops::pad_to_rank(req.inputs[0].shape, rank),
                  bs = ir::ops::pad_to_rank(req.inputs[1].shape, rank);
  const int64_t k = as.back();
  ImageParam a = make_input(as, "a"), b = make_input(bs, "b");
  std::vector<Var> vars;  // Halide order: vars[0] is n, vars[1] m, then the batch from the inside
  for (int j = 0; j < rank; j++) vars.emplace_back("dim" + std::to_string(j));
  RDom r(0, extent(k), "r");
  std::vector<Expr> at_a(vars.begin(), vars.end()), at_b(vars.begin(), vars.end());
  at_a[0] = r;  // a(k, m, ...)
  at_b[1] = r;  // b(n, k, ...)
  for (int j = 2; j < rank; j++) {
    const int axis = rank - 1 - j;
    if (as[axis] == 1) at_a[j] = 0;
    if (bs[axis] == 1) at_b[j] = 0;
  }
  Func sum("sum"), out("kiln_matmul");
  sum(vars) = 0.0f;
  sum(vars) += a(at_a) * b(at_b);
  out(vars) = sum(vars);
  const int vw = natural_vector_width(req.target);
  Var outer = vars.back();
  sum.compute_at(out, vars[1]);
  if (os.back() >= vw) {
    out.vectorize(vars[0], vw, TailStrategy::GuardWithIf);
    sum.vectorize(vars[0], vw, TailStrategy::GuardWithIf);
    sum.update().reorder(vars[0], r).vectorize(vars[0], vw, TailStrategy::GuardWithIf);
  }
  if (rank > 1 && ir::numel(os) * k >= schedules::kParallelThreshold) out.parallel(outer);
  return make_kernel(out, {a, b}, {as, bs}, os,
                     "dot products over k per output row, vectorized along n");
}

}  // namespace kiln::codegen::ops
