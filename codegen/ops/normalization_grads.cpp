// Halide lowering of log_softmax_backward and lrn_backward
// (ir/ops/normalization_grads.cpp has the formulas).
//   log_softmax_backward: [outer, axis, inner], the sum of dy per row, then
//     dy - exp(y) * sum; rows in parallel.
//   lrn_backward: [N, C, inner]; D (the normalizer) and t = dy x D^(-beta-1)
//     per channel as stages, then each channel sums t over the channels whose
//     window holds it (unrolled: the window is a handful of channels).
#include <algorithm>

#include "codegen/ops/lower_util.h"
#include "codegen/schedules/memory_bound.h"
#include "ir/ops/lrn.h"
#include "ir/ops/op_helpers.h"

namespace kiln::codegen::ops {

using namespace Halide;

LoweredKernel lower_log_softmax_backward(const LowerRequest &req) {
  const ir::Shape &s = req.inputs[0].shape;
  const int rank = static_cast<int>(s.size());
  const int axis =
      ir::ops::resolve_axis(req.node.attrs.get_int("axis"), rank, "log_softmax_backward");
  const int64_t outer = span(s, 0, axis), len = s[axis], inner = span(s, axis + 1, rank);
  ir::Shape view = {outer, len, inner};
  ImageParam dy = make_input(view, "dy"), y = make_input(view, "y");
  Var i("i"), a("a"), o("o");
  RDom r(0, extent(len), "r");
  Func total("total"), out("kiln_log_softmax_backward");
  total(i, o) = 0.0f;
  total(i, o) += dy(i, r, o);
  out(i, a, o) = dy(i, a, o) - exp(y(i, a, o)) * total(i, o);
  const int vw = natural_vector_width(req.target);
  total.compute_at(out, o);
  if (inner >= vw) {
    out.vectorize(i, vw, TailStrategy::GuardWithIf);
    total.vectorize(i, vw, TailStrategy::GuardWithIf);
    total.update().reorder(i, r).vectorize(i, vw, TailStrategy::GuardWithIf);
  } else if (inner == 1 && len >= vw) {
    out.vectorize(a, vw, TailStrategy::GuardWithIf);
  }
  if (outer > 1 && outer * len * inner >= schedules::kParallelThreshold) out.parallel(o);
  return make_kernel(out, {dy, y}, {view, view}, view, "rows in parallel, sum of dy per row");
}

LoweredKernel lower_lrn_backward(const LowerRequest &req) {
  const ir::Shape &s = req.inputs[0].shape;
  const int64_t batch = s[0], channels = s[1], inner = span(s, 2, static_cast<int>(s.size()));
  const ir::Attrs &attrs = req.node.attrs;
  const int64_t size = attrs.get_int("size");
  const double alpha = attrs.get_float("alpha"), beta = attrs.get_float("beta");
  const ir::ops::LrnWindow w = ir::ops::lrn_window(size);
  ir::Shape view = {batch, channels, inner};
  ImageParam dy = make_input(view, "dy"), x = make_input(view, "x");
  Var i("i"), c("c"), n("n");
  const int C = extent(channels);
  auto in_range = [C](const Expr &ch) { return ch >= 0 && ch < C; };
  Func x_padded("x_padded"), d("normalizer"), t("t"), out("kiln_lrn_backward");
  x_padded(i, c, n) = select(in_range(c), x(i, clamp(c, 0, C - 1), n), 0.0f);
  // Offsets farther than C - 1 never reach a channel.
  const int64_t reach = channels - 1;
  Expr sum = 0.0f;
  for (int64_t o = std::max(-w.before, -reach); o <= std::min(w.after, reach); o++) {
    Expr v = x_padded(i, c + static_cast<int>(o), n);
    sum += v * v;
  }
  d(i, c, n) = static_cast<float>(attrs.get_float("bias")) + static_cast<float>(alpha / size) * sum;
  t(i, c, n) = select(in_range(c),
                      dy(i, clamp(c, 0, C - 1), n) * x_padded(i, c, n) *
                          pow(d(i, c, n), static_cast<float>(-beta - 1)),
                      0.0f);
  // Channel k lies in the windows of the channels k - after .. k + before.
  Expr back = 0.0f;
  for (int64_t o = std::max(-w.after, -reach); o <= std::min(w.before, reach); o++)
    back += t(i, c + static_cast<int>(o), n);
  out(i, c, n) = dy(i, c, n) * pow(d(i, c, n), static_cast<float>(-beta)) -
                 static_cast<float>(2 * alpha * beta / size) * x(i, c, n) * back;

  const int vw = natural_vector_width(req.target);
  d.compute_at(out, n);
  t.compute_at(out, n);
  std::string schedule = "per sample: normalizer and window terms, then the sums";
  if (inner >= vw) {
    for (Func f : {d, t, out}) f.vectorize(i, vw, TailStrategy::GuardWithIf);
    schedule += ", vectors along the plane";
  }
  if (batch > 1 && batch * channels * inner >= schedules::kParallelThreshold) out.parallel(n);
  return make_kernel(out, {dy, x}, {view, view}, view, schedule);
}

}  // namespace kiln::codegen::ops
