// Halide lowering of pooling's backward ops, as gathers: each input
// element sums the gradients of the (at most ceil(k / s) per axis) windows
// that contain it. max_pool2d_backward first finds every window's first
// maximum (a flat index per window, one plane per task), then keeps the
// windows whose maximum is this element; avg_pool2d_backward divides each
// window's gradient by the forward's divisor.
#include <limits>

#include "codegen/ops/train_lower_util.h"
#include "ir/ops/window.h"

namespace kiln::codegen::ops {

namespace {

using namespace Halide;

int ceil_div(int64_t a, int64_t b) { return extent((a + b - 1) / b); }

struct Gather {
  Var x{"x"}, y{"y"}, c{"c"}, n{"n"};
  RDom r;       // (rx, ry): the candidate windows of an element
  Expr ox, oy;  // the candidate window, clamped into the output
  Expr valid;   // it exists and contains (x, y)
};

Gather gather(const ir::Window2d &w) {
  Gather g;
  g.r = RDom(0, ceil_div(w.kernel_w, w.stride_w), 0, ceil_div(w.kernel_h, w.stride_h), "r");
  const int sh = extent(w.stride_h), sw = extent(w.stride_w);
  Expr oy = (g.y + extent(w.pad_top)) / sh - g.r.y, ox = (g.x + extent(w.pad_left)) / sw - g.r.x;
  g.valid = oy >= 0 && oy < extent(w.out_h) && ox >= 0 && ox < extent(w.out_w) &&
            g.y < oy * sh - extent(w.pad_top) + extent(w.kernel_h) &&
            g.x < ox * sw - extent(w.pad_left) + extent(w.kernel_w);
  g.oy = clamp(oy, 0, extent(w.out_h) - 1);
  g.ox = clamp(ox, 0, extent(w.out_w) - 1);
  return g;
}

// Tasks (c, n) in parallel, vectors along x: `acc` (the sum over the
// candidate windows) per vector of `out`, `plane` (if defined) per task.
void schedule_gather(Func out, Func acc, Gather &g, Func plane, const ir::Window2d &w,
                     int64_t planes, const Target &target) {
  Var task("task");
  out.fuse(g.c, g.n, task);
  if (planes > 1) out.parallel(task);
  const int vw = natural_vector_width(target);
  acc.compute_at(out, g.x);
  if (w.in_w >= vw) {
    out.vectorize(g.x, vw, TailStrategy::GuardWithIf);
    acc.vectorize(g.x, vw, TailStrategy::GuardWithIf);
    acc.update().reorder(g.x, g.r.x, g.r.y).vectorize(g.x, vw, TailStrategy::GuardWithIf);
  }
  if (plane.defined()) plane.compute_at(out, task);
}

}  // namespace

LoweredKernel lower_max_pool2d_backward(const LowerRequest &req) {
  const ir::Shape &dys = req.inputs[0].shape, &xs = req.inputs[1].shape;
  const ir::Attrs &a = req.node.attrs;
  const ir::Window2d w = ir::resolve_window(a, xs[2], xs[3], true, a.get_int("ceil_mode") != 0);
  ImageParam dy = make_input(dys, "dy"), x = make_input(xs, "x");
  const Expr neg_inf(-std::numeric_limits<float>::infinity());
  Func xe = BoundaryConditions::constant_exterior(
      x, neg_inf, {Range(0, extent(w.in_w)), Range(0, extent(w.in_h))});

  Var ox("ox"), oy("oy"), c("c"), n("n");
  RDom k(0, extent(w.kernel_w), 0, extent(w.kernel_h), "k");
  Expr hs = oy * extent(w.stride_h) - extent(w.pad_top),
       ws = ox * extent(w.stride_w) - extent(w.pad_left);
  Expr v = xe(ws + k.x, hs + k.y, c, n), idx = (hs + k.y) * extent(w.in_w) + ws + k.x;
  Func best("best");  // (value, flat index) of each window's first maximum
  best(ox, oy, c, n) = Tuple(neg_inf, 0);
  Expr better = v > best(ox, oy, c, n)[0];
  best(ox, oy, c, n) =
      Tuple(select(better, v, best(ox, oy, c, n)[0]), select(better, idx, best(ox, oy, c, n)[1]));

  Gather g = gather(w);
  Expr mine = best(g.ox, g.oy, g.c, g.n)[1] == g.y * extent(w.in_w) + g.x;
  Func out("kiln_max_pool2d_backward");
  out(g.x, g.y, g.c, g.n) = 0.0f;
  out(g.x, g.y, g.c, g.n) += select(g.valid && mine, dy(g.ox, g.oy, g.c, g.n), 0.0f);
  Func result("kiln_max_pool2d_backward_out");
  result(g.x, g.y, g.c, g.n) = out(g.x, g.y, g.c, g.n);
  schedule_gather(result, out, g, best, w, xs[0] * xs[1], req.target);
  return make_kernel(result, {dy, x}, {dys, xs}, xs,
                     "window maxima per (channel, sample), then a gather, vectors along x");
}

LoweredKernel lower_avg_pool2d_backward(const LowerRequest &req) {
  const ir::Shape &dys = req.inputs[0].shape, &xs = req.outputs[0].shape;
  const ir::Attrs &a = req.node.attrs;
  const ir::Window2d w = ir::resolve_window(a, xs[2], xs[3], true, a.get_int("ceil_mode") != 0);
  ImageParam dy = make_input(dys, "dy");
  Gather g = gather(w);
  // The forward's divisor for window (ox, oy) (codegen/ops/pooling.cpp).
  Expr hs = g.oy * extent(w.stride_h) - extent(w.pad_top),
       ws = g.ox * extent(w.stride_w) - extent(w.pad_left);
  const int kh = extent(w.kernel_h), kw = extent(w.kernel_w);
  Expr area;
  if (a.get_int("count_include_pad")) {
    area = (min(hs + kh, extent(w.in_h + w.pad_bottom)) - hs) *
           (min(ws + kw, extent(w.in_w + w.pad_right)) - ws);
  } else {
    area =
        (min(hs + kh, extent(w.in_h)) - max(hs, 0)) * (min(ws + kw, extent(w.in_w)) - max(ws, 0));
  }
  Func out("kiln_avg_pool2d_backward");
  out(g.x, g.y, g.c, g.n) = 0.0f;
  out(g.x, g.y, g.c, g.n) += select(g.valid, dy(g.ox, g.oy, g.c, g.n) / cast<float>(area), 0.0f);
  Func result("kiln_avg_pool2d_backward_out");
  result(g.x, g.y, g.c, g.n) = out(g.x, g.y, g.c, g.n);
  schedule_gather(result, out, g, Func(), w, xs[0] * xs[1], req.target);
  return make_kernel(result, {dy}, {dys}, xs, "a gather per (channel, sample), vectors along x");
}

}  // namespace kiln::codegen::ops
