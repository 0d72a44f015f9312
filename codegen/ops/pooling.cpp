// Halide lowering of pooling: max_pool2d and avg_pool2d (sliding windows
// with PyTorch semantics: padding never wins a max; the average divides by
// the window clipped to the padded input when count_include_pad, else by the
// window clipped to the input), and the global poolings (row reductions over
// [N*C, H*W]). max_pool2d's taps may be dilated. Knobs in
// codegen/schedules/memory_bound.h.
#include <limits>

#include "codegen/ops/lower_util.h"
#include "codegen/schedules/memory_bound.h"
#include "ir/ops/window.h"

namespace kiln::codegen::ops {

namespace {

using namespace Halide;
using schedules::PoolSchedule;
using schedules::RowReduceSchedule;

enum class PoolKind { Max, Avg };

Expr neg_inf() { return Expr(-std::numeric_limits<float>::infinity()); }

struct PoolFuncs {
  Var x{"x"}, y{"y"}, c{"c"}, n{"n"};
  Func src{"src"};  // the input, extended when windows leave it
  Func acc{"acc"};  // max or sum over the window
  Func out;
  RDom r;
  bool buffered = false;  // src is extended (and computed per task)
};

void define_pool(PoolFuncs &f, PoolKind kind, const ir::Window2d &w, bool count_include_pad,
                 ImageParam in) {
  Var x = f.x, y = f.y, c = f.c, n = f.n;
  f.buffered = ir::reads_outside_input(w);
  if (f.buffered) {
    Region image = {Range(0, extent(w.in_w)), Range(0, extent(w.in_h))};
    // Outside the input: -inf never wins a max, 0 adds nothing to a sum.
    Func ext = BoundaryConditions::constant_exterior(
        in, kind == PoolKind::Max ? neg_inf() : Expr(0.0f), image);
    f.src(x, y, c, n) = ext(x, y, c, n);
  } else {
    f.src(x, y, c, n) = in(x, y, c, n);
  }
  f.r = RDom(0, extent(w.kernel_w), 0, extent(w.kernel_h), "r");
  Expr hs = y * extent(w.stride_h) - extent(w.pad_top);
  Expr ws = x * extent(w.stride_w) - extent(w.pad_left);
  Expr v = f.src(ws + f.r.x * extent(w.dilation_w), hs + f.r.y * extent(w.dilation_h), c, n);
  if (kind == PoolKind::Max) {
    f.acc(x, y, c, n) = neg_inf();
    f.acc(x, y, c, n) = max(f.acc(x, y, c, n), v);
    f.out = Func("kiln_max_pool2d");
    f.out(x, y, c, n) = f.acc(x, y, c, n);
    return;
  }
  f.acc(x, y, c, n) = 0.0f;
  f.acc(x, y, c, n) += v;
  int kh = extent(w.kernel_h), kw = extent(w.kernel_w);
  Expr area;
  if (count_include_pad) {
    Expr he = min(hs + kh, extent(w.in_h + w.pad_bottom));
    Expr we = min(ws + kw, extent(w.in_w + w.pad_right));
    area = (he - hs) * (we - ws);
  } else {
    area =
        (min(hs + kh, extent(w.in_h)) - max(hs, 0)) * (min(ws + kw, extent(w.in_w)) - max(ws, 0));
  }
  f.out = Func("kiln_avg_pool2d");
  f.out(x, y, c, n) = f.acc(x, y, c, n) / cast<float>(area);
}

// Vectors along x, y_block rows per task, tasks (row block, c, n) in
// parallel; the extended input rows of a task are buffered first.
void schedule_pool(PoolFuncs &f, const ir::Window2d &w, const PoolSchedule &k) {
  Var xo("xo"), xi("xi"), yo("yo"), yi("yi"), task("task");
  const auto shift = TailStrategy::ShiftInwards;
  f.out.split(f.x, xo, xi, k.vector_width, shift)
      .split(f.y, yo, yi, k.y_block, shift)
      .reorder(xi, xo, yi, yo, f.c, f.n)
      .fuse(yo, f.c, task)
      .fuse(task, f.n, task);
  if (k.vector_width > 1) f.out.vectorize(xi);
  if (k.parallel) f.out.parallel(task);
  f.acc.compute_at(f.out, xo);
  Stage update = f.acc.update();
  update.reorder(f.x, f.r.x, f.r.y);
  if (k.vector_width > 1) {
    f.acc.vectorize(f.x);
    update.vectorize(f.x);
  }
  if (w.kernel_w <= 4) update.unroll(f.r.x);
  if (f.buffered) {
    f.src.compute_at(f.out, task);
    if (k.vector_width > 1) f.src.vectorize(f.x, k.vector_width);
  }
}

LoweredKernel lower_window_pool(const LowerRequest &req, PoolKind kind) {
  const ir::Attrs &a = req.node.attrs;
  const ir::Shape &xs = req.inputs[0].shape;
  ir::Window2d w = ir::resolve_window(a, xs[2], xs[3], true, a.get_int("ceil_mode") != 0);
  PoolSchedule k = schedules::legalize(
      schedules::default_pool_schedule(xs[0] * xs[1], w.out_h, w.out_w, req.target), w.out_h,
      w.out_w);
  ImageParam in = make_input(xs, "x");
  PoolFuncs f;
  define_pool(f, kind, w, kind == PoolKind::Avg && a.get_int("count_include_pad") != 0, in);
  schedule_pool(f, w, k);
  return make_kernel(f.out, {in}, {xs}, req.outputs[0].shape,
                     k.describe() + (f.buffered ? ", extended input buffered per task" : ""));
}

// Global pooling: each of the N*C rows of [N*C, H*W] reduced to one value.
LoweredKernel lower_global_pool(const LowerRequest &req, PoolKind kind) {
  const ir::Shape &xs = req.inputs[0].shape;
  int64_t rows = xs[0] * xs[1], length = xs[2] * xs[3];
  RowReduceSchedule k = schedules::legalize(
      schedules::default_row_reduce_schedule(rows, length, req.target), rows, length);
  ir::Shape view = {rows, length};
  ImageParam in = make_input(view, "x");
  Var p("p"), row("row"), ro("ro"), ri("ri");
  Func term("term");
  term(p, row) = in(p, row);
  LaneReduce red;
  Func out;
  if (kind == PoolKind::Max) {
    red = define_lane_reduce("max", term, {row}, length, k.lanes, neg_inf(), neg_inf(),
                             [](Expr a, Expr b) { return max(a, b); });
    out = Func("kiln_global_max_pool");
    out(row) = red.total(row);
  } else {
    red = define_lane_reduce("sum", term, {row}, length, k.lanes, 0.0f, 0.0f,
                             [](Expr a, Expr b) { return a + b; });
    out = Func("kiln_global_avg_pool");
    out(row) = red.total(row) / static_cast<float>(length);
  }
  out.split(row, ro, ri, k.row_block, TailStrategy::ShiftInwards).unroll(ri);
  if (k.parallel) out.parallel(ro);
  schedule_lane_reduce(red, LoopLevel(out, ro), {row}, k.lanes);
  return make_kernel(out, {in}, {view}, {rows}, k.describe());
}

}  // namespace

LoweredKernel lower_max_pool2d(const LowerRequest &req) {
  return lower_window_pool(req, PoolKind::Max);
}
LoweredKernel lower_avg_pool2d(const LowerRequest &req) {
  return lower_window_pool(req, PoolKind::Avg);
}
LoweredKernel lower_global_max_pool(const LowerRequest &req) {
  return lower_global_pool(req, PoolKind::Max);
}
LoweredKernel lower_global_avg_pool(const LowerRequest &req) {
  return lower_global_pool(req, PoolKind::Avg);
}

}  // namespace kiln::codegen::ops
