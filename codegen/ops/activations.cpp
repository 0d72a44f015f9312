// Halide lowering of the activations: the scalar activations as 1-D maps,
// softmax as row reductions (axis innermost) or as reductions across rows
// vectorized along the inner dimensions. Knobs in
// codegen/schedules/memory_bound.h.
#include <limits>

#include "codegen/ops/activation_exprs.h"
#include "codegen/ops/lower_util.h"
#include "codegen/schedules/memory_bound.h"
#include "ir/ops/op_helpers.h"

namespace kiln::codegen::ops {

namespace {

using namespace Halide;

LoweredKernel lower_unary(const LowerRequest &req, const std::string &name,
                          const std::function<Expr(Expr)> &fn) {
  ir::Shape view = {req.inputs[0].numel()};
  auto k = schedules::default_elementwise_schedule(view[0], req.target);
  ImageParam in = make_input(view, "x");
  Var i("i");
  // Output Funcs get a prefix: a JIT-compiled "tanh" would clash with libm's.
  Func out("kiln_" + name);
  out(i) = fn(in(i));
  schedule_elementwise(out, i, k);
  return make_kernel(out, {in}, {view}, view, k.describe());
}

Expr neg_inf() { return Expr(-std::numeric_limits<float>::infinity()); }
Expr plus(Expr a, Expr b) { return a + b; }
Expr maximum2(Expr a, Expr b) { return max(a, b); }

// Softmax along the innermost axis of [rows, length]: per block of rows,
// the max and the sum of exponentials as lane reductions, the exponentials
// kept for the final division.
LoweredKernel softmax_rows(int64_t rows, int64_t length, const Target &target) {
  auto k = schedules::legalize(schedules::default_row_reduce_schedule(rows, length, target), rows,
                               length);
  ir::Shape view = {rows, length};
  ImageParam in = make_input(view, "x");
  Var j("j"), row("row"), ro("ro"), ri("ri"), jo("jo"), ji("ji");
  Func x("xf"), e("exps"), out("kiln_softmax");
  x(j, row) = in(j, row);
  LaneReduce mx =
      define_lane_reduce("max", x, {row}, length, k.lanes, neg_inf(), neg_inf(), maximum2);
  e(j, row) = exp(in(j, row) - mx.total(row));
  LaneReduce sum = define_lane_reduce("sum", e, {row}, length, k.lanes, 0.0f, 0.0f, plus);
  out(j, row) = e(j, row) / sum.total(row);

  const auto shift = TailStrategy::ShiftInwards;
  out.split(row, ro, ri, k.row_block, shift).reorder(j, ri, ro);
  if (k.parallel) out.parallel(ro);
  LoopLevel block(out, ro);
  schedule_lane_reduce(mx, block, {row}, k.lanes);
  schedule_lane_reduce(sum, block, {row}, k.lanes);
  e.compute_at(block);
  if (k.lanes > 1) {
    out.vectorize(j, k.lanes, shift);
    e.vectorize(j, k.lanes, shift);
  }
  return make_kernel(out, {in}, {view}, view, "softmax rows: " + k.describe());
}

// Softmax along the middle axis of [outer, axis, inner], vectorized along
// inner: each block of inner positions runs max, exp and sum down the axis.
LoweredKernel softmax_strided(int64_t outer, int64_t axis, int64_t inner, const Target &target) {
  auto k = schedules::legalize(
      schedules::default_strided_softmax_schedule(outer, axis, inner, target), inner);
  ir::Shape view = {outer, axis, inner};
  ImageParam in = make_input(view, "x");
  Var i("i"), a("a"), o("o"), io("io"), ii("ii"), task("task");
  RDom r(0, extent(axis), "r");
  Func mx("max"), e("exps"), sum("sum"), out("kiln_softmax");
  mx(i, o) = neg_inf();
  mx(i, o) = max(mx(i, o), in(i, r, o));
  e(i, a, o) = exp(in(i, a, o) - mx(i, o));
  sum(i, o) = 0.0f;
  sum(i, o) += e(i, r, o);
  out(i, a, o) = e(i, a, o) / sum(i, o);

  const int vw = k.vector_width, block = vw * k.inner_vectors;
  out.split(i, io, ii, block, TailStrategy::ShiftInwards).reorder(ii, a, io, o).fuse(io, o, task);
  if (k.parallel) out.parallel(task);
  for (Func f : {mx, e, sum}) f.compute_at(out, task);
  if (vw > 1) {
    out.vectorize(ii, vw);
    mx.vectorize(i, vw);
    mx.update().reorder(i, r).vectorize(i, vw);
    e.vectorize(i, vw);
    sum.vectorize(i, vw);
    sum.update().reorder(i, r).vectorize(i, vw);
  }
  return make_kernel(out, {in}, {view}, view, k.describe());
}

}  // namespace

// The scalar activations, each a 1-D map of its expression in
// codegen/ops/activation_exprs.cpp.
#define KILN_LOWER_SCALAR(NAME)                                                    \
  LoweredKernel lower_##NAME(const LowerRequest &req) {                            \
    const ir::Attrs &attrs = req.node.attrs;                                       \
    return lower_unary(req, #NAME,                                                 \
                       [&](Expr x) { return activation_expr(#NAME, x, attrs); }); \
  }
KILN_LOWER_SCALAR(relu)
KILN_LOWER_SCALAR(sigmoid)
KILN_LOWER_SCALAR(tanh)
KILN_LOWER_SCALAR(elu)
KILN_LOWER_SCALAR(selu)
KILN_LOWER_SCALAR(swish)
KILN_LOWER_SCALAR(mish)
KILN_LOWER_SCALAR(softplus)
KILN_LOWER_SCALAR(leaky_relu)
KILN_LOWER_SCALAR(relu6)
KILN_LOWER_SCALAR(hard_sigmoid)
KILN_LOWER_SCALAR(hard_swish)
KILN_LOWER_SCALAR(softsign)
KILN_LOWER_SCALAR(clip)
#undef KILN_LOWER_SCALAR

LoweredKernel lower_softmax(const LowerRequest &req) {
  const ir::Shape &s = req.inputs[0].shape;
  int rank = static_cast<int>(s.size());
  int axis = ir::ops::resolve_axis(req.node.attrs.get_int("axis"), rank, "softmax");
  int64_t outer = span(s, 0, axis), inner = span(s, axis + 1, rank);
  LoweredKernel k = inner == 1 ? softmax_rows(outer, s[axis], req.target)
                               : softmax_strided(outer, s[axis], inner, req.target);
  return k;
}

}  // namespace kiln::codegen::ops
