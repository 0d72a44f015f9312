// Halide lowering of conv2d's backward ops.
//
// conv2d_backward_data gathers, for every position of the padded input,
// the products of dy and the weight taps that read it (a convolution of dy
// with the flipped kernel; with stride s, only every s-th tap lines up, the
// rest are selected away). Zero padding then crops the padded plane to the
// input; replicate and reflect padding fold each padded row and column back
// onto the input element it copied (rows, then columns).
//
// conv2d_backward_weight reduces dy times the (extended) input over the
// batch and the output positions, (channel, filter) pairs in parallel, in
// vector partial sums along the output width.
//
// channel_sum reduces [A, C, B] to [C].
#include "codegen/ops/train_lower_util.h"
#include "codegen/schedules/cpu_info.h"
#include "ir/ops/window.h"

namespace kiln::codegen::ops {

namespace {

using namespace Halide;

struct Geometry {
  ir::Window2d win;
  int64_t batch, channels, filters, groups;
  std::string mode;
};

Geometry geometry(const LowerRequest &req, const ir::Shape &x, int64_t filters) {
  Geometry g;
  g.win = ir::resolve_window(req.node.attrs, x[2], x[3], false, false);
  g.batch = x[0];
  g.channels = x[1];
  g.filters = filters;
  g.groups = req.node.attrs.get_int("groups");
  g.mode = req.node.attrs.get_string("padding_mode");
  return g;
}

// The input extended beyond [0, W) x [0, H) as the padding mode says (as
// the forward lowering in codegen/ops/conv2d.cpp does).
Func extend(const Geometry &g, ImageParam in) {
  Region image = {Range(0, extent(g.win.in_w)), Range(0, extent(g.win.in_h))};
  if (g.mode == "replicate") return BoundaryConditions::repeat_edge(in, image);
  if (g.mode == "reflect") return BoundaryConditions::mirror_interior(in, image);
  return BoundaryConditions::constant_exterior(in, 0.0f, image);
}

// Folds dimension `dim` (0: x, 1: y) of `padded` (extent size + begin +
// end) onto [0, size): out(i) sums the padded positions whose value was
// copied from input element i.
Func fold(Func padded, int dim, int64_t size, int64_t begin, int64_t end, const std::string &mode,
          const std::string &name) {
  Var x("x"), y("y"), c("c"), n("n");
  std::vector<Var> vars = {x, y, c, n};
  Expr i = vars[dim];
  auto at = [&](Expr p) {
    std::vector<Expr> args(vars.begin(), vars.end());
    args[dim] = p;
    return padded(args);
  };
  const int S = extent(size), B = extent(begin), E = extent(end);
  Expr v = at(i + B);
  if (mode == "replicate") {
    // The edge element was copied into every padded position beyond it.
    if (B > 0) {
      RDom lo(0, B, name + "_lo");
      v += select(i == 0, sum(at(lo.x)), 0.0f);
    }
    if (E > 0) {
      RDom hi(0, E, name + "_hi");
      v += select(i == S - 1, sum(at(B + S + hi.x)), 0.0f);
    }
  } else if (mode == "reflect") {
    // Padded position p mirrors input |p - B| on the left, 2(S-1) - (p - B) on the right.
    if (B > 0) v += select(i >= 1 && i <= B, at(clamp(B - i, 0, B)), 0.0f);
    if (E > 0) {
      Expr q = B + 2 * (S - 1) - i;
      v += select(q >= B + S && q < B + S + E, at(clamp(q, B + S, B + S + E - 1)), 0.0f);
    }
  }
  Func out(name);
  out(x, y, c, n) = v;
  return out;
}

}  // namespace

LoweredKernel lower_conv2d_backward_data(const LowerRequest &req) {
  const ir::Shape &dys = req.inputs[0].shape, &ws = req.inputs[1].shape, &xs = req.outputs[0].shape;
  const Geometry g = geometry(req, xs, dys[1]);
  const ir::Window2d &w = g.win;
  ImageParam dy = make_input(dys, "dy"), weight = make_input(ws, "weight");
  const int cin_g = extent(g.channels / g.groups), cout_g = extent(g.filters / g.groups);
  const int sh = extent(w.stride_h), sw = extent(w.stride_w);

  Var px("px"), py("py"), c("c"), n("n");
  Func dy_ext = BoundaryConditions::constant_exterior(
      dy, 0.0f, {Range(0, extent(w.out_w)), Range(0, extent(w.out_h))});
  RDom r(0, extent(w.kernel_w), 0, extent(w.kernel_h), 0, cout_g, "r");
  Expr f = g.groups == 1 ? Expr(r.z) : (c / cin_g) * cout_g + r.z;
  Expr ci = g.groups == 1 ? Expr(c) : c % cin_g;
  Expr tx = px - r.x * extent(w.dilation_w), ty = py - r.y * extent(w.dilation_h);
  Expr tap = weight(r.x, r.y, ci, f) * dy_ext(tx / sw, ty / sh, f, n);
  if (sh > 1 || sw > 1) tap = select(tx % sw == 0 && ty % sh == 0, tap, 0.0f);
  Func dpad("dpad");  // the gradient of the padded input
  dpad(px, py, c, n) = 0.0f;
  dpad(px, py, c, n) += tap;

  Var x("x"), y("y");
  Func out("kiln_conv2d_backward_data");
  if (g.mode == "zeros") {
    out(x, y, c, n) = dpad(x + extent(w.pad_left), y + extent(w.pad_top), c, n);
  } else {
    Func rows = fold(dpad, 1, w.in_h, w.pad_top, w.pad_bottom, g.mode, "fold_rows");
    Func both = fold(rows, 0, w.in_w, w.pad_left, w.pad_right, g.mode, "fold_cols");
    out(x, y, c, n) = both(x, y, c, n);
  }

  // Tasks (c, n) in parallel, each computing its padded plane row by row
  // with vectors along x.
  const int vw = natural_vector_width(req.target);
  Var task("task");
  out.fuse(c, n, task);
  if (g.batch * g.channels > 1) out.parallel(task);
  if (w.in_w >= vw) out.vectorize(x, vw, TailStrategy::GuardWithIf);
  dpad.compute_at(out, task);
  if (w.in_w >= vw) {
    dpad.vectorize(px, vw, TailStrategy::GuardWithIf);
    dpad.update().reorder(px, r.x, r.y, r.z, py).vectorize(px, vw, TailStrategy::GuardWithIf);
  } else {
    dpad.update().reorder(px, r.x, r.y, r.z, py);
  }
  return make_kernel(out, {dy, weight}, {dys, ws}, xs,
                     "gather over the padded input per (channel, sample), vectors along x" +
                         std::string(g.mode == "zeros" ? "" : ", padding folded back"));
}

LoweredKernel lower_conv2d_backward_weight(const LowerRequest &req) {
  const ir::Shape &dys = req.inputs[0].shape, &xs = req.inputs[1].shape, &ws = req.outputs[0].shape;
  const Geometry g = geometry(req, xs, dys[1]);
  const ir::Window2d &w = g.win;
  ImageParam dy = make_input(dys, "dy"), x = make_input(xs, "x");
  const int cin_g = extent(g.channels / g.groups), cout_g = extent(g.filters / g.groups);
  Func ext = extend(g, x), padded("padded");
  Var xv("xv"), yv("yv"), cv("cv"), nv("nv");
  padded(xv, yv, cv, nv) = ext(xv, yv, cv, nv);

  // Vector partial sums along the output width: lane l of chunk k covers
  // output column k * lanes + l; columns past the width read dy as zero.
  const int ow = extent(w.out_w), oh = extent(w.out_h);
  const int vw = natural_vector_width(req.target);
  const int lanes = ow >= vw ? vw : schedules::pow2_at_most(ow, vw);
  const int chunks = (ow + lanes - 1) / lanes;
  Func dy_ext = BoundaryConditions::constant_exterior(
      dy, 0.0f, {Range(0, ow), Range(0, oh), Range(0, extent(dys[1])), Range(0, extent(g.batch))});

  Var kx("kx"), ky("ky"), ci("ci"), f("f"), lane("lane");
  RDom r(0, chunks, 0, oh, 0, extent(g.batch), "r");
  Expr c = g.groups == 1 ? Expr(ci) : (f / cout_g) * cin_g + ci;
  Expr ox = r.x * lanes + lane;
  Expr ix = ox * extent(w.stride_w) + kx * extent(w.dilation_w) - extent(w.pad_left);
  Expr iy = r.y * extent(w.stride_h) + ky * extent(w.dilation_h) - extent(w.pad_top);
  Func partial("partial"), out("kiln_conv2d_backward_weight");
  partial(lane, kx, ky, ci, f) = 0.0f;
  partial(lane, kx, ky, ci, f) += dy_ext(ox, r.y, f, r.z) * padded(ix, iy, c, r.z);
  RDom l(0, lanes, "l");
  out(kx, ky, ci, f) = sum(partial(l.x, kx, ky, ci, f));

  // One task per (input channel, filter). Per kernel row, a task keeps one
  // vector accumulator per tap of the row (kw of them) over the whole
  // reduction: one dy vector and kw input vectors per step. The extended
  // input is buffered first, so the inner loop has no boundary selects.
  Var task("task");
  out.fuse(ci, f, task);
  if (ws[0] * ws[1] > 1) out.parallel(task);
  partial.compute_at(out, task).vectorize(lane);
  partial.update().reorder(lane, kx, r.x, r.y, r.z, ky).vectorize(lane);
  if (w.kernel_w <= 8) partial.update().unroll(kx);
  padded.compute_root().parallel(nv);
  return make_kernel(out, {dy, x}, {dys, xs}, ws,
                     "one task per (channel, filter), " + std::to_string(lanes) +
                         "-lane partial sums along the output width, a kernel row's taps unrolled");
}

LoweredKernel lower_channel_sum(const LowerRequest &req) {
  const ir::Shape &s = req.inputs[0].shape;
  const int64_t A = s[0], C = s[1], B = span(s, 2, static_cast<int>(s.size()));
  ir::Shape view = {A, C, B};
  ImageParam x = make_input(view, "x");
  Var c("c");
  RDom r(0, extent(B), 0, extent(A), "r");
  // The sums accumulate in an internal buffer; the output is written by a
  // pure stage. A vectorized GuardWithIf update on the output itself let
  // LLVM turn a full-mask predicated store into an aligned one (vmovaps),
  // which faults on a caller's buffer that is only 16-byte aligned.
  Func total("total"), out("kiln_channel_sum");
  total(c) = 0.0f;
  total(c) += x(r.x, c, r.y);
  out(c) = total(c);
  total.compute_root();
  const int vw = natural_vector_width(req.target);
  std::string what;
  if (B == 1 && C >= vw) {
    // [A, C]: the channels are contiguous: vectors along C.
    total.vectorize(c, vw, TailStrategy::GuardWithIf);
    total.update().reorder(c, r.x, r.y).vectorize(c, vw, TailStrategy::GuardWithIf);
    out.vectorize(c, vw, TailStrategy::ShiftInwards);
    what = "vectors along C";
  } else {
    if (A * C * B >= schedules::kParallelThreshold) total.update().parallel(c);
    what = "channels in parallel";
  }
  return make_kernel(out, {x}, {view}, {C}, what);
}

}  // namespace kiln::codegen::ops

namespace kiln::codegen::ops {

using namespace Halide;

// out(x, y) = x((x - l) / sw, (y - t) / sh) where that lands on an element,
// else 0; vectors along x, planes in parallel.
LoweredKernel lower_dilate_pad(const LowerRequest &req) {
  const ir::Shape &xs = req.inputs[0].shape, &os = req.outputs[0].shape;
  const auto &s = req.node.attrs.get_ints("stride"), &p = req.node.attrs.get_ints("padding");
  ImageParam in = make_input(xs, "x");
  Func ext = BoundaryConditions::constant_exterior(
      in, 0.0f, {Range(0, extent(xs[3])), Range(0, extent(xs[2]))});
  Var x("x"), y("y"), c("c"), n("n"), plane("plane");
  const int sh = extent(s[0]), sw = extent(s[1]);
  Expr u = x - extent(p[1]), v = y - extent(p[0]);
  Expr value = ext(u / sw, v / sh, c, n);
  if (sh > 1 || sw > 1) value = select(u % sw == 0 && v % sh == 0, value, 0.0f);
  Func out("kiln_dilate_pad");
  out(x, y, c, n) = value;
  out.fuse(c, n, plane);
  if (os[0] * os[1] > 1 && ir::numel(os) >= schedules::kParallelThreshold) out.parallel(plane);
  const int vw = schedules::pow2_at_most(os[3], natural_vector_width(req.target));
  if (vw > 1) out.vectorize(x, vw, TailStrategy::GuardWithIf);
  return make_kernel(out, {in}, {xs}, os, "planes in parallel, vectors along x");
}

LoweredKernel lower_flip_conv_weight(const LowerRequest &req) {
  const ir::Shape &ws = req.inputs[0].shape, &os = req.outputs[0].shape;
  const int groups = extent(req.node.attrs.get_int("groups"));
  const int fg = extent(ws[0] / groups), cg = extent(ws[1]), kh = extent(ws[2]), kw = extent(ws[3]);
  ImageParam w = make_input(ws, "weight");
  Var kx("kx"), ky("ky"), fo("fo"), c("c");
  Func out("kiln_flip_conv_weight");
  // out[c][fo][ky][kx] = w[(c / cg) * fg + fo][c % cg][kh-1-ky][kw-1-kx]
  out(kx, ky, fo, c) = w(kw - 1 - kx, kh - 1 - ky, c % cg, (c / cg) * fg + fo);
  return make_kernel(out, {w}, {ws}, os, "a gather (small)");
}

}  // namespace kiln::codegen::ops
