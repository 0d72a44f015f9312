// Helpers shared by the op lowerings in codegen/ops/, and the entry points
// that take an explicit schedule (for tests and the tuner; the lower_<op>
// functions of the op table use the default heuristics).
#pragma once

#include <climits>
#include <functional>
#include <string>
#include <vector>

#include "codegen/lowering.h"
#include "codegen/ops/activation_exprs.h"
#include "codegen/schedules/conv_schedule.h"
#include "codegen/schedules/dense_schedule.h"
#include "codegen/schedules/memory_bound.h"
#include "ir/errors.h"
#include "ir/ops/epilogue.h"

namespace kiln::codegen::ops {

// An extent as the int Halide indexes with; UserError when it does not fit.
inline int extent(int64_t v) {
  if (v < 0 || v > INT_MAX)
    throw UserError("tensor extent " + std::to_string(v) + " is too large for a Halide kernel");
  return static_cast<int>(v);
}

// The product of shape[begin, end).
inline int64_t span(const ir::Shape &shape, int begin, int end) {
  int64_t p = 1;
  for (int k = begin; k < end; k++) p *= shape[k];
  return p;
}

inline LoweredKernel make_kernel(Halide::Func out, std::vector<Halide::ImageParam> params,
                                 std::vector<ir::Shape> input_views, ir::Shape output_view,
                                 std::string schedule) {
  constrain_output(out, output_view);
  return {Halide::Pipeline(out),
          std::move(params),
          std::move(input_views),
          {std::move(output_view)},
          std::move(schedule)};
}

// The fused epilogue of conv2d and dense (ir/ops/epilogue.h) in a kernel's
// output stage: y = post_activation(activation(z) + residual), z being the
// accumulated value with its bias. The residual is the node's last input,
// seen with the output's view.
struct FusedEpilogue {
  ir::ops::Epilogue spec;
  Halide::ImageParam residual;  // defined when spec.has_residual

  // Makes the residual's ImageParam, if any, and appends it to the kernel's
  // inputs.
  FusedEpilogue(ir::ops::Epilogue s, const ir::Shape &out_view,
                std::vector<Halide::ImageParam> *params, std::vector<ir::Shape> *views)
      : spec(std::move(s)) {
    if (!spec.has_residual) return;
    residual = make_input(out_view, "residual");
    params->push_back(residual);
    views->push_back(out_view);
  }

  // The output at output coordinates `at` (Halide order, innermost first)
  // from its accumulated value z.
  Halide::Expr apply(const Halide::Expr &z, const std::vector<Halide::Expr> &at) const {
    Halide::Expr v = activation_expr(spec.activation, z, spec.activation_attrs);
    if (spec.has_residual) v += residual(at);
    return activation_expr(spec.post_activation, v, spec.post_activation_attrs);
  }

  // "" without an epilogue, else what it computes and `where`.
  std::string describe(const std::string &where) const {
    if (spec.empty()) return "";
    std::string chain;
    auto step = [&](const std::string &s) { chain += (chain.empty() ? "" : " -> ") + s; };
    if (spec.activation != "none") step(activation_label(spec.activation, spec.activation_attrs));
    if (spec.has_residual) step("+ residual");
    if (spec.post_activation != "none")
      step(activation_label(spec.post_activation, spec.post_activation_attrs));
    return "; epilogue " + chain + " " + where;
  }
};

// Schedules a 1-D map out(i): parallel chunks, vectors, unrolled steps.
// Tails are guarded rather than shifted inwards, so every element is computed
// once: the output may share an input's storage (in-place memory planning),
// where recomputing an element would read the value already written.
inline void schedule_elementwise(Halide::Func out, const Halide::Var &i,
                                 const schedules::ElementwiseSchedule &k) {
  using namespace Halide;
  const auto tail = TailStrategy::GuardWithIf;
  Var chunk("chunk"), in_chunk("in_chunk"), step("step"), in_step("in_step"), lane("lane");
  Var cur = i;
  if (k.parallel_chunk > 0) {
    out.split(i, chunk, in_chunk, extent(k.parallel_chunk), tail).parallel(chunk);
    cur = in_chunk;
  }
  if (k.vector_width * k.unroll > 1) {
    out.split(cur, step, in_step, k.vector_width * k.unroll, tail)
        .split(in_step, in_step, lane, k.vector_width)
        .unroll(in_step);
    if (k.vector_width > 1) out.vectorize(lane);
  }
}

// A reduction along a contiguous axis, vectorized along that axis: lane l of
// `partial` reduces elements l, l + L, l + 2L, ... of the row; `total` starts
// from a seed, folds in the L lanes (a horizontal reduction) and then the
// length % L tail elements.
struct LaneReduce {
  Halide::Var lane{"lane"};
  Halide::Func partial, total;
  Halide::RDom chunks, lanes;
};

using Combine = std::function<Halide::Expr(Halide::Expr, Halide::Expr)>;

// total(rows...) = combine over k in [0, length) of term(k, rows...), starting
// from seed (an Expr in rows), with `identity` starting each lane.
inline LaneReduce define_lane_reduce(const std::string &name, const Halide::Func &term,
                                     const std::vector<Halide::Var> &rows, int64_t length,
                                     int lanes, Halide::Expr identity, Halide::Expr seed,
                                     const Combine &combine) {
  using namespace Halide;
  LaneReduce r;
  r.partial = Func(name + "_lanes");
  r.total = Func(name);
  int nchunks = extent(length / lanes), main = nchunks * lanes;
  r.chunks = RDom(0, nchunks, name + "_rk");
  r.lanes = RDom(0, lanes, name + "_rl");
  std::vector<Expr> row_args(rows.begin(), rows.end());
  auto at = [&](Expr k) {
    std::vector<Expr> a = {std::move(k)};
    a.insert(a.end(), row_args.begin(), row_args.end());
    return a;
  };
  std::vector<Var> lane_args = {r.lane};
  lane_args.insert(lane_args.end(), rows.begin(), rows.end());
  r.partial(lane_args) = identity;
  r.partial(lane_args) = combine(r.partial(lane_args), term(at(r.chunks * lanes + r.lane)));
  r.total(rows) = seed;
  r.total(rows) = combine(r.total(rows), r.partial(at(r.lanes)));
  if (main < length) {
    RDom tail(main, extent(length - main), name + "_rt");
    r.total(rows) = combine(r.total(rows), term(at(tail)));
  }
  return r;
}

// Computes both stages at `at`, where every row var has a constant extent
// (a block): the rows are unrolled, so each keeps its lanes in a register
// through the chunk loop.
inline void schedule_lane_reduce(LaneReduce &r, const Halide::LoopLevel &at,
                                 const std::vector<Halide::Var> &rows, int lanes) {
  using namespace Halide;
  r.partial.compute_at(at);
  r.total.compute_at(at);
  Stage acc = r.partial.update(0), hsum = r.total.update(0);
  std::vector<VarOrRVar> order = {r.lane};
  order.insert(order.end(), rows.begin(), rows.end());
  order.push_back(r.chunks);
  acc.reorder(order);
  std::vector<VarOrRVar> hsum_order = {r.lanes};
  hsum_order.insert(hsum_order.end(), rows.begin(), rows.end());
  hsum.reorder(hsum_order);
  for (const Var &v : rows) {
    r.partial.unroll(v);
    acc.unroll(v);
    r.total.unroll(v);
    hsum.unroll(v);
  }
  if (r.total.num_update_definitions() > 1)  // the length % lanes tail
    for (const Var &v : rows) r.total.update(1).unroll(v);
  if (lanes > 1) {
    r.partial.vectorize(r.lane);
    acc.vectorize(r.lane);
    // An associative update vectorized over its RVar: a horizontal reduction.
    hsum.atomic().vectorize(r.lanes);
  }
}

// conv2d with the given schedule (legalized first): the direct or flat-row
// form, never the dense path.
LoweredKernel lower_conv2d_with(const LowerRequest &request,
                                const schedules::ConvSchedule &schedule);

// dense with the given schedule (legalized first).
LoweredKernel lower_dense_with(const LowerRequest &request,
                               const schedules::DenseSchedule &schedule);

// y[n, u] = epilogue(sum_k x[n, k] w[u, k] (+ b[u])) over the 2-D views
// x [batch, K], w [units, K], b [units], residual and y [batch, units] of the
// request's inputs (x, weight, optional bias, optional residual, in that
// order) and output: dense, and conv2d whose kernel covers its whole input.
// `note` is appended to the description.
LoweredKernel lower_matmul_wt(const schedules::DenseShape &shape, bool has_bias,
                              const ir::ops::Epilogue &epilogue,
                              const schedules::DenseSchedule &schedule,
                              const std::string &note = "");

}  // namespace kiln::codegen::ops
