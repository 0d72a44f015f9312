// Halide lowering of lrn (ir/ops/lrn.h) over the view [N, C, inner]: the sum
// of squares over the channel window is unrolled into the expression (the
// window is a handful of channels), channels outside [0, C) contribute 0.
// Knobs in codegen/schedules/lrn_schedule.h.
#include "ir/ops/lrn.h"

#include "codegen/ops/lower_util.h"
#include "codegen/schedules/lrn_schedule.h"

namespace kiln::codegen::ops {

namespace {

using namespace Halide;

// base^-beta: square roots for AlexNet's 0.75 and for 0.5 and 1, pow otherwise.
Expr inverse_power(const Expr &base, double beta) {
  if (beta == 0.75) {
    Expr r = sqrt(base);
    return 1.0f / (r * sqrt(r));
  }
  if (beta == 0.5) return 1.0f / sqrt(base);
  if (beta == 1.0) return 1.0f / base;
  return pow(base, static_cast<float>(-beta));
}

}  // namespace

LoweredKernel lower_lrn(const LowerRequest &req) {
  const ir::Shape &s = req.inputs[0].shape;
  const int64_t batch = s[0], channels = s[1], inner = span(s, 2, static_cast<int>(s.size()));
  const ir::Attrs &a = req.node.attrs;
  const int64_t size = a.get_int("size");
  const ir::ops::LrnWindow w = ir::ops::lrn_window(size);
  auto k = schedules::default_lrn_schedule(batch, channels, inner, req.target);

  ir::Shape view = {batch, channels, inner};
  ImageParam in = make_input(view, "x");
  Var i("i"), c("c"), n("n");
  const int C = extent(channels);
  Func zero_padded("zero_padded");
  zero_padded(i, c, n) = select(c >= 0 && c < C, in(i, clamp(c, 0, C - 1), n), 0.0f);
  // Offsets farther than C - 1 never reach a channel.
  const int64_t lo = std::max(-w.before, -(channels - 1)), hi = std::min(w.after, channels - 1);
  Expr sum = 0.0f;
  for (int64_t o = lo; o <= hi; o++) {
    Expr v = zero_padded(i, c + static_cast<int>(o), n);
    sum += v * v;
  }
  const float scale = static_cast<float>(a.get_float("alpha") / size);
  Expr base = static_cast<float>(a.get_float("bias")) + scale * sum;
  Func out("kiln_lrn");
  out(i, c, n) = in(i, c, n) * inverse_power(base, a.get_float("beta"));

  const auto shift = TailStrategy::ShiftInwards;
  Var row("row"), task("task"), in_task("in_task");
  if (k.along_channels) {
    if (k.rows_per_task > 0)
      out.split(n, task, in_task, extent(k.rows_per_task), shift).parallel(task);
    if (k.vector_width > 1) out.vectorize(c, k.vector_width, shift);
  } else {
    out.fuse(c, n, row);
    if (k.rows_per_task > 0)
      out.split(row, task, in_task, extent(k.rows_per_task), shift).parallel(task);
    if (k.vector_width > 1) out.vectorize(i, k.vector_width, shift);
  }
  return make_kernel(out, {in}, {view}, view, k.describe());
}

}  // namespace kiln::codegen::ops
