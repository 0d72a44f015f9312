// Halide lowering of fused_elementwise: the node's program (ir/ops/
// fused_elementwise.h) composed into one expression per element, the
// activations taken from codegen/ops/activation_exprs.h. Without per-channel
// inputs every tensor is seen as 1-D and scheduled like the other elementwise
// maps; with them, as [N, C, inner] (per-channel inputs as [C]), vectors along
// inner and (n, c) rows in parallel (knobs in codegen/schedules/memory_bound.h).
//
// Each output element is computed once, after reading its inputs at the same
// index (GuardWithIf tails, never ShiftInwards): the memory planner may give
// the output an input's storage.
#include "ir/ops/fused_elementwise.h"

#include "codegen/ops/activation_exprs.h"
#include "codegen/ops/lower_util.h"
#include "codegen/schedules/memory_bound.h"

namespace kiln::codegen::ops {

namespace {

using namespace Halide;
using ir::ops::ElementwiseProgram;
using ir::ops::StepKind;

// The program's value at coordinates `at`; per-channel inputs read at `channel`.
Expr compose(const ElementwiseProgram &p, const std::vector<ImageParam> &in,
             const std::vector<bool> &per_channel, const std::vector<Expr> &at,
             const Expr &channel) {
  std::vector<Expr> steps;
  for (const auto &step : p.steps) {
    std::vector<Expr> v;
    for (const auto &o : step.operands)
      v.push_back(o.is_step              ? steps[o.index]
                  : per_channel[o.index] ? in[o.index](channel)
                                         : in[o.index](at));
    switch (step.kind()) {
      case StepKind::Activation:
        steps.push_back(activation_expr(step.op, v[0], step.attrs));
        break;
      case StepKind::Add:
        steps.push_back(v[0] + v[1]);
        break;
      case StepKind::Sub:
        steps.push_back(v[0] - v[1]);
        break;
      case StepKind::Mul:
        steps.push_back(v[0] * v[1]);
        break;
      case StepKind::Div:
        steps.push_back(v[0] / v[1]);
        break;
      case StepKind::ScaleShift:
        steps.push_back(v[0] * v[1] + v[2]);
        break;
    }
  }
  return steps.back();
}

// [N, C, inner]: vectors along inner (along C when inner is 1), (n, c) rows
// across threads.
std::string schedule_channels(Func out, const Var &i, const Var &c, const Var &n,
                              const ir::Shape &view, const Target &target) {
  auto k = schedules::default_batch_norm_schedule(view[0], view[1], view[2], target);
  const auto guard = TailStrategy::GuardWithIf;
  if (view[2] == 1) {
    if (k.vector_width > 1) out.vectorize(c, k.vector_width, guard);
    return "per-channel map: vectors of " + std::to_string(k.vector_width) + " along C, serial";
  }
  Var io("io"), ii("ii"), task("task");
  out.split(i, io, ii, k.vector_width, guard).fuse(c, n, task);
  if (k.vector_width > 1) out.vectorize(ii);
  if (k.parallel) out.parallel(task);
  return "per-channel map: vectors of " + std::to_string(k.vector_width) + ", " +
         (k.parallel ? "parallel" : "serial") + " over (n, c)";
}

}  // namespace

LoweredKernel lower_fused_elementwise(const LowerRequest &req) {
  const ElementwiseProgram p =
      ir::ops::parse_program(req.node.attrs.get_string("program"), req.inputs.size());
  const std::vector<bool> per_channel = ir::ops::per_channel_inputs(p, req.inputs.size());
  bool channel_view = false;
  for (bool b : per_channel) channel_view = channel_view || b;

  const ir::Shape &s = req.outputs[0].shape;
  const int rank = static_cast<int>(s.size());
  const ir::Shape view =
      channel_view ? ir::Shape{s[0], s[1], span(s, 2, rank)} : ir::Shape{req.outputs[0].numel()};
  const ir::Shape channel = channel_view ? ir::Shape{s[1]} : ir::Shape{};
  std::vector<ImageParam> in;
  std::vector<ir::Shape> views;
  for (size_t k = 0; k < req.inputs.size(); k++) {
    views.push_back(per_channel[k] ? channel : view);
    in.push_back(make_input(views.back(), "x" + std::to_string(k)));
  }

  Var i("i"), c("c"), n("n");
  Func out("kiln_fused_elementwise");
  std::string schedule;
  if (channel_view) {
    out(i, c, n) = compose(p, in, per_channel, {i, c, n}, c);
    schedule = schedule_channels(out, i, c, n, view, req.target);
  } else {
    out(i) = compose(p, in, per_channel, {i}, Expr());
    auto k = schedules::default_elementwise_schedule(view[0], req.target);
    schedule_elementwise(out, i, k);
    schedule = k.describe();
  }
  return make_kernel(out, in, views, view, "fused " + ir::ops::print_program(p) + "; " + schedule);
}

}  // namespace kiln::codegen::ops
