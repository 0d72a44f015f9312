// Halide lowering of the broadcasting binary ops (add, sub, mul, div,
// prelu) and scale_channels: one map over the output's collapsed view
// (codegen/ops/broadcast_view.h). Equal shapes are a 1-D map with the
// elementwise schedule (codegen/schedules/memory_bound.h); broadcasts are
// [rows, inner] maps with the knobs of codegen/schedules/broadcast_schedule.h.
#include "codegen/ops/broadcast_view.h"
#include "codegen/ops/lower_util.h"
#include "codegen/schedules/broadcast_schedule.h"
#include "codegen/schedules/memory_bound.h"

namespace kiln::codegen::ops {

namespace {

using namespace Halide;

using Combine2 = Expr (*)(Expr, Expr);

// Vectors along the innermost dimension; the others fused into rows, in
// parallel tasks of rows. Tails are guarded, not shifted inwards, so every
// element is computed once: the memory planner may run an elementwise op in
// place, where recomputing an element would read its own output.
std::string schedule_broadcast(Func out, const std::vector<Var> &vars, const ir::Shape &view,
                               const Target &target) {
  const int64_t inner = view.back(), rows = ir::numel(view) / inner;
  auto k = schedules::default_broadcast_schedule(rows, inner, target);
  Var row = vars[1];
  for (size_t h = 2; h < vars.size(); h++) {
    Var fused("rows" + std::to_string(h));
    out.fuse(row, vars[h], fused);
    row = fused;
  }
  if (k.rows_per_task > 0) {
    Var task("task"), in_task("in_task");
    out.split(row, task, in_task, extent(k.rows_per_task), TailStrategy::GuardWithIf)
        .parallel(task);
  }
  if (k.vector_width > 1) out.vectorize(vars[0], k.vector_width, TailStrategy::GuardWithIf);
  return k.describe();
}

// out = combine(a, b) over `views`.
LoweredKernel broadcast_map(const std::string &name, const BroadcastViews &views, Combine2 combine,
                            const Target &target) {
  const ir::Shape &view = views.output;
  std::vector<Var> vars;
  for (size_t h = 0; h < view.size(); h++) vars.emplace_back("d" + std::to_string(h));
  ImageParam a = make_input(views.inputs[0], "a"), b = make_input(views.inputs[1], "b");
  Func out("kiln_" + name);
  out(vars) = combine(a(broadcast_args(views.inputs[0], view, vars)),
                      b(broadcast_args(views.inputs[1], view, vars)));
  std::string schedule;
  if (view.size() == 1) {
    auto k = schedules::default_elementwise_schedule(view[0], target);
    schedule_elementwise(out, vars[0], k);
    schedule = k.describe();
  } else {
    schedule = schedule_broadcast(out, vars, view, target);
  }
  return make_kernel(out, {a, b}, views.inputs, view, schedule);
}

LoweredKernel lower_binary(const LowerRequest &req, const std::string &name, Combine2 combine) {
  return broadcast_map(
      name, broadcast_views(req.outputs[0].shape, {req.inputs[0].shape, req.inputs[1].shape}),
      combine, req.target);
}

}  // namespace

LoweredKernel lower_add(const LowerRequest &req) {
  return lower_binary(req, "add", [](Expr a, Expr b) { return a + b; });
}
LoweredKernel lower_sub(const LowerRequest &req) {
  return lower_binary(req, "sub", [](Expr a, Expr b) { return a - b; });
}
LoweredKernel lower_mul(const LowerRequest &req) {
  return lower_binary(req, "mul", [](Expr a, Expr b) { return a * b; });
}
LoweredKernel lower_div(const LowerRequest &req) {
  return lower_binary(req, "div", [](Expr a, Expr b) { return a / b; });
}

LoweredKernel lower_prelu(const LowerRequest &req) {
  return lower_binary(req, "prelu",
                      [](Expr x, Expr slope) { return select(x >= 0.0f, x, slope * x); });
}

// x seen as [N*C, inner] times s seen as [N*C, 1].
LoweredKernel lower_scale_channels(const LowerRequest &req) {
  const ir::Shape &x = req.inputs[0].shape;
  const int64_t planes = x[0] * x[1], inner = ir::numel(x) / std::max<int64_t>(planes, 1);
  BroadcastViews views;
  views.output = {planes, inner};
  views.inputs = {{planes, inner}, {planes, 1}};
  if (inner == 1) views = {{planes}, {{planes}, {planes}}};
  return broadcast_map(
      "scale_channels", views, [](Expr a, Expr b) { return a * b; }, req.target);
}

}  // namespace kiln::codegen::ops
