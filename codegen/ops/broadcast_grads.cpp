// Halide lowering of sum_to_shape and broadcast_to
// (ir/ops/broadcast_grads.cpp) over the collapsed views of
// codegen/ops/broadcast_view.h: [8, 64, 56, 56] -> [8, 64, 1, 1] is a sum
// over the inner axis of [512, 3136]. Each output element sums its inputs
// with an inline reduction; vectors along the innermost axis when it is
// kept and long enough, rows in parallel when the work is large.
#include "codegen/ops/broadcast_view.h"
#include "codegen/ops/lower_util.h"
#include "codegen/schedules/memory_bound.h"
#include "ir/ops/broadcast.h"

namespace kiln::codegen::ops {

namespace {

using namespace Halide;

std::vector<Var> vars_for(const ir::Shape &view) {
  std::vector<Var> vars;
  for (size_t h = 0; h < view.size(); h++) vars.emplace_back("d" + std::to_string(h));
  return vars;
}

// Vectors along the innermost var (when `inner` is long enough), the
// outermost var in parallel when the whole map is large.
std::string schedule_map(Func out, const std::vector<Var> &vars, int64_t inner, int64_t work,
                         const Target &target) {
  const int vw = natural_vector_width(target);
  std::string what = "scalar";
  if (inner >= vw) {
    out.vectorize(vars[0], vw, TailStrategy::GuardWithIf);
    what = "vectors of " + std::to_string(vw);
  }
  if (vars.size() > 1 && work >= schedules::kParallelThreshold) {
    out.parallel(vars.back());
    what += ", outer axis in parallel";
  }
  return what;
}

}  // namespace

LoweredKernel lower_sum_to_shape(const LowerRequest &req) {
  const ir::Shape &x = req.inputs[0].shape;
  const float scale = static_cast<float>(req.node.attrs.get_float("scale"));
  const BroadcastViews views = broadcast_views(x, {req.outputs[0].shape});
  const ir::Shape &in_view = views.output, &out_view = views.inputs[0];
  const int rank = static_cast<int>(in_view.size());
  std::vector<Var> vars = vars_for(out_view);
  // Halide indexes innermost first: dimension h of the view is var rank-1-h.
  Region ranges;
  for (int h = 0; h < rank; h++)
    if (out_view[h] == 1 && in_view[h] > 1) ranges.emplace_back(0, extent(in_view[h]));
  ImageParam in = make_input(in_view, "x");
  Func out("kiln_sum_to_shape");
  if (ranges.empty()) {
    out(vars) = scale * in(vars);
  } else {
    RDom r(ranges, "r");
    std::vector<Expr> args(rank);
    int k = 0;
    for (int h = 0; h < rank; h++) {
      Expr v = vars[rank - 1 - h];
      if (out_view[h] == 1 && in_view[h] > 1) v = r[k++];
      args[rank - 1 - h] = v;
    }
    out(vars) = scale * sum(in(args));
  }
  const std::string schedule =
      schedule_map(out, vars, out_view.back(), ir::numel(in_view), req.target);
  return make_kernel(out, {in}, {in_view}, out_view, "sums over broadcast axes, " + schedule);
}

LoweredKernel lower_broadcast_to(const LowerRequest &req) {
  const float scale = static_cast<float>(req.node.attrs.get_float("scale"));
  const BroadcastViews views = broadcast_views(req.outputs[0].shape, {req.inputs[0].shape});
  const ir::Shape &out_view = views.output, &in_view = views.inputs[0];
  std::vector<Var> vars = vars_for(out_view);
  ImageParam in = make_input(in_view, "x");
  Func out("kiln_broadcast_to");
  out(vars) = scale * in(broadcast_args(in_view, out_view, vars));
  const std::string schedule =
      schedule_map(out, vars, out_view.back(), ir::numel(out_view), req.target);
  return make_kernel(out, {in}, {in_view}, out_view, "broadcast, " + schedule);
}

}  // namespace kiln::codegen::ops
