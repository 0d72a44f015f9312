// Halide lowering of batch_norm (inference) over the view [N, C, inner]:
// y = (x - mean[c]) * scale[c] + beta[c], scale = gamma / sqrt(var + eps)
// computed once per call. Knobs in codegen/schedules/memory_bound.h.
#include "codegen/ops/lower_util.h"
#include "codegen/schedules/cpu_info.h"
#include "codegen/schedules/memory_bound.h"

namespace kiln::codegen::ops {

using namespace Halide;

LoweredKernel lower_batch_norm(const LowerRequest &req) {
  const ir::Shape &s = req.inputs[0].shape;
  int64_t batch = s[0], channels = s[1], inner = span(s, 2, static_cast<int>(s.size()));
  auto k = schedules::legalize(
      schedules::default_batch_norm_schedule(batch, channels, inner, req.target), channels, inner);
  ir::Shape view = {batch, channels, inner}, per_channel = {channels};
  ImageParam x = make_input(view, "x");
  std::vector<ImageParam> params = {x};
  for (const char *name : {"gamma", "beta", "mean", "var"})
    params.push_back(make_input(per_channel, name));
  const ImageParam &gamma = params[1], &beta = params[2], &mean = params[3], &var = params[4];
  float eps = static_cast<float>(req.node.attrs.get_float("epsilon"));

  Var i("i"), c("c"), n("n"), io("io"), ii("ii"), task("task");
  Func scale("scale"), out("kiln_batch_norm");
  scale(c) = gamma(c) / sqrt(var(c) + eps);
  out(i, c, n) = (x(i, c, n) - mean(c)) * scale(c) + beta(c);

  const int vw = k.vector_width;
  const auto shift = TailStrategy::ShiftInwards;
  scale.compute_root();
  if (schedules::pow2_at_most(channels, vw) > 1)
    scale.vectorize(c, schedules::pow2_at_most(channels, vw), shift);
  if (inner == 1) {
    // [N, C]: the channels are contiguous.
    if (vw > 1) out.vectorize(c, vw, shift);
  } else {
    out.split(i, io, ii, vw, shift).fuse(c, n, task);
    if (vw > 1) out.vectorize(ii);
    if (k.parallel) out.parallel(task);
  }
  return make_kernel(out, params, {view, per_channel, per_channel, per_channel, per_channel}, view,
                     k.describe() + (inner == 1 ? " (vectors along C)" : ""));
}

}  // namespace kiln::codegen::ops
