// Halide lowering of conv_transpose2d as a gather, split by output phase.
//
// Output pixel o (one axis) receives tap k from input pixel
// (o + pad_begin - k * dilation) / stride when that divides exactly, so which
// taps reach it depends only on its phase (o + pad_begin) mod stride
// (ir/ops/transposed_window.h, phase_taps). The outputs of one phase are
// o = first + stride * m, `first` in [0, stride); over m each phase is an
// ordinary small direct convolution, with no holes and contiguous input
// reads along m:
//
//   phase(mx, my, f, n) = sum over (jx, jy, c in f's group) of
//       weight(kx0 + jx*step_x, ky0 + jy*step_y, f % cout_g, c)
//     * x(mx + base_x - jx*in_step_x, my + base_y - jy*in_step_y, c, n)
//
// and the output picks its phase by o mod stride and reads it at
// m = o div stride (= (o - first) / stride, as first < stride): out(ox, oy,
// f, n) = epilogue(bias(f) + phase[oy % sh][ox % sw](ox / sw, oy / sh, f, n)).
// A vector of outputs starting at a multiple of the stride reads every phase
// over the same m, so the phases are computed over exactly the m their
// outputs need, and Halide interleaves them with shuffles. A phase no tap
// reaches (stride larger than the kernel) is zero. The input is extended by
// zeros and buffered once, so the inner loops have no boundary selects.
// Knobs: codegen/schedules/conv_transpose_schedule.h.
#include "codegen/ops/conv_transpose2d.h"

#include <algorithm>
#include <string>

#include "codegen/ops/lower_util.h"
#include "codegen/schedules/conv_transpose_schedule.h"
#include "ir/ops/transposed_window.h"

namespace kiln::codegen::ops {

namespace {

using namespace Halide;
using schedules::ConvTransposeSchedule;
using schedules::ConvTransposeShape;

struct Geometry {
  ir::TransposedWindow2d w;
  ConvTransposeShape shape;
  int64_t in_h, in_w;
  bool has_bias;
  ir::ops::Epilogue epilogue;
};

// One phase along one axis: its first output, and its taps; output
// first + stride * m reads input m + base + taps.offset - j * taps.input_step.
struct AxisPhase {
  int64_t first, base;
  ir::PhaseTaps taps;
};

AxisPhase axis_phase(int64_t first, int64_t pad, int64_t kernel, int64_t stride, int64_t dilation) {
  AxisPhase a;
  a.first = first;
  const int64_t phase = (first + pad) % stride;
  a.base = (first + pad - phase) / stride;
  a.taps = ir::phase_taps(phase, kernel, stride, dilation);
  return a;
}

Geometry geometry(const LowerRequest &req) {
  const ir::Attrs &a = req.node.attrs;
  const ir::Shape &x = req.inputs[0].shape;
  Geometry g;
  g.w = ir::resolve_transposed_window(a, x[2], x[3]);
  g.in_h = x[2];
  g.in_w = x[3];
  ConvTransposeShape &s = g.shape;
  s.batch = x[0];
  s.in_channels = x[1];
  s.out_channels = a.get_int("filters");
  s.groups = a.get_int("groups");
  s.out_h = g.w.out_h;
  s.out_w = g.w.out_w;
  s.stride_h = g.w.stride_h;
  s.stride_w = g.w.stride_w;
  s.q_h = (g.w.out_h + g.w.stride_h - 1) / g.w.stride_h;
  s.q_w = (g.w.out_w + g.w.stride_w - 1) / g.w.stride_w;
  s.taps = g.w.kernel_h * g.w.kernel_w;
  g.has_bias = a.get_int("use_bias") != 0;
  g.epilogue = ir::ops::epilogue_of(a);
  return g;
}

struct Phase {
  Func acc, sum;  // acc: register block of the reduction; sum: the phase over a task
  RDom r;
  bool empty = true;  // no tap reaches this phase: sum is zero
};

struct Funcs {
  Var x{"x"}, y{"y"}, f{"f"}, n{"n"};
  Func padded{"padded"};
  std::vector<Phase> phases;  // row-major over (first_y, first_x)
  Func out{"kiln_conv_transpose2d"};
};

Phase define_phase(const Funcs &fs, const Geometry &g, int64_t first_y, int64_t first_x,
                   const ImageParam &weight) {
  const ir::TransposedWindow2d &w = g.w;
  const AxisPhase ay = axis_phase(first_y, w.pad_top, w.kernel_h, w.stride_h, w.dilation_h);
  const AxisPhase ax = axis_phase(first_x, w.pad_left, w.kernel_w, w.stride_w, w.dilation_w);
  const ir::PhaseTaps &ty = ay.taps, &tx = ax.taps;
  const std::string tag = "_" + std::to_string(first_y) + "_" + std::to_string(first_x);
  Phase p;
  p.acc = Func("acc" + tag);
  p.sum = Func("phase" + tag);
  Var mx = fs.x, my = fs.y, f = fs.f, n = fs.n;
  if (ty.count == 0 || tx.count == 0) {
    p.sum(mx, my, f, n) = 0.0f;
    return p;
  }
  p.empty = false;
  const ConvTransposeShape &s = g.shape;
  const int cig = extent(s.in_channels / s.groups), cog = extent(s.out_channels / s.groups);
  p.r = RDom(0, extent(tx.count), 0, extent(ty.count), 0, cig, "r" + tag);
  const RDom &r = p.r;
  Expr kx = extent(tx.first) + r.x * extent(tx.step), ky = extent(ty.first) + r.y * extent(ty.step);
  Expr ix = mx + static_cast<int>(ax.base + tx.offset) - r.x * extent(tx.input_step);
  Expr iy = my + static_cast<int>(ay.base + ty.offset) - r.y * extent(ty.input_step);
  Expr c = s.groups == 1 ? Expr(r.z) : (f / cog) * cig + r.z;
  Expr fo = s.groups == 1 ? Expr(f) : f % cog;
  p.acc(mx, my, f, n) = 0.0f;
  p.acc(mx, my, f, n) += weight(kx, ky, fo, c) * fs.padded(ix, iy, c, n);
  p.sum(mx, my, f, n) = p.acc(mx, my, f, n);
  return p;
}

// The phase of output pixel (ox, oy), as a select over the phases.
Expr pick_phase(const Funcs &fs, const Geometry &g) {
  const int sh = extent(g.w.stride_h), sw = extent(g.w.stride_w);
  Expr mx = fs.x / sw, my = fs.y / sh, rx = fs.x % sw, ry = fs.y % sh;
  Expr v;
  for (int fy = sh - 1; fy >= 0; fy--)
    for (int fx = sw - 1; fx >= 0; fx--) {
      Expr here = fs.phases[fy * sw + fx].sum(mx, my, fs.f, fs.n);
      if (!v.defined()) {
        v = here;
        continue;
      }
      Expr is_here = sh == 1 ? (rx == fx) : sw == 1 ? (ry == fy) : (ry == fy && rx == fx);
      v = select(is_here, here, v);
    }
  return v;
}

// Vectorizes a register block's x, unrolls the rest.
template <typename StageOrFunc>
void register_block(StageOrFunc &&s, const VarOrRVar &x, const VarOrRVar &f, int vw) {
  Var xo("xo_r"), xv("xv_r");
  s.split(x, xo, xv, vw).unroll(xo).unroll(f);
  if (vw > 1) s.vectorize(xv);
}

void schedule(Funcs &fs, const Geometry &g, const ConvTransposeSchedule &k) {
  const auto shift = TailStrategy::ShiftInwards;
  Var yo("yo"), yi("yi"), fo("fo"), fi("fi"), task("task");
  const int64_t task_rows = std::min<int64_t>(k.y_block * g.w.stride_h, g.w.out_h);
  fs.out.split(fs.y, yo, yi, extent(task_rows), shift)
      .split(fs.f, fo, fi, k.co_block, shift)
      .reorder(fs.x, fi, yi, fo, yo, fs.n);
  if (k.out_vector_width > 1) fs.out.vectorize(fs.x, k.out_vector_width, shift);
  fs.out.fuse(fo, yo, task).fuse(task, fs.n, task);
  if (k.parallel) fs.out.parallel(task);

  const int block = k.vector_width * k.x_vectors;
  for (Phase &p : fs.phases) {
    p.sum.compute_at(fs.out, task);
    if (p.empty) {
      if (k.vector_width > 1) p.sum.vectorize(fs.x, k.vector_width, shift);
      continue;
    }
    Var qo("qo"), qi("qi"), fb("fb"), fv("fv");
    p.sum.split(fs.x, qo, qi, block, shift)
        .split(fs.f, fb, fv, k.co_block, shift)
        .reorder(qi, fv, qo, fs.y, fb, fs.n);
    register_block(p.sum, qi, fv, k.vector_width);
    // The accumulators stay in registers: the block is unrolled and
    // vectorized, and the reduction runs outside it.
    p.acc.compute_at(p.sum, qo);
    register_block(p.acc, fs.x, fs.f, k.vector_width);
    Stage update = p.acc.update();
    update.reorder(fs.x, fs.f, p.r.x, p.r.y, p.r.z, fs.y, fs.n);
    register_block(update, fs.x, fs.f, k.vector_width);
    update.unroll(p.r.x);
  }

  Var cn("cn");
  fs.padded.compute_root().fuse(fs.f, fs.n, cn);
  if (k.vector_width > 1) fs.padded.vectorize(fs.x, k.vector_width);
  if (k.parallel) fs.padded.parallel(cn);
}

LoweredKernel lower(const LowerRequest &req, const Geometry &g, const ConvTransposeSchedule &want) {
  ConvTransposeSchedule k = schedules::legalize(want, g.shape);
  const ir::Shape &xs = req.inputs[0].shape, &ws = req.inputs[1].shape;
  const ir::Shape out_view = req.outputs[0].shape;
  ImageParam x = make_input(xs, "x"), weight = make_input(ws, "weight"), bias;
  std::vector<ImageParam> params = {x, weight};
  std::vector<ir::Shape> views = {xs, ws};
  if (g.has_bias) {
    bias = make_input(req.inputs[2].shape, "bias");
    params.push_back(bias);
    views.push_back(req.inputs[2].shape);
  }
  FusedEpilogue epilogue(g.epilogue, out_view, &params, &views);

  Funcs fs;
  Region image = {Range(0, extent(g.in_w)), Range(0, extent(g.in_h))};
  fs.padded(fs.x, fs.y, fs.f, fs.n) =
      BoundaryConditions::constant_exterior(x, 0.0f, image)(fs.x, fs.y, fs.f, fs.n);
  for (int64_t fy = 0; fy < g.w.stride_h; fy++)
    for (int64_t fx = 0; fx < g.w.stride_w; fx++)
      fs.phases.push_back(define_phase(fs, g, fy, fx, weight));
  Expr z = pick_phase(fs, g);
  if (g.has_bias) z = bias(fs.f) + z;
  fs.out(fs.x, fs.y, fs.f, fs.n) = epilogue.apply(z, {fs.x, fs.y, fs.f, fs.n});
  schedule(fs, g, k);
  return make_kernel(fs.out, params, views, out_view,
                     k.describe() + " (" + std::to_string(fs.phases.size()) + " phases)" +
                         epilogue.describe("as the phases are interleaved"));
}

}  // namespace

LoweredKernel lower_conv_transpose2d_with(const LowerRequest &req,
                                          const ConvTransposeSchedule &schedule) {
  return lower(req, geometry(req), schedule);
}

LoweredKernel lower_conv_transpose2d(const LowerRequest &req) {
  Geometry g = geometry(req);
  return lower(req, g, schedules::default_conv_transpose_schedule(g.shape, req.target));
}

}  // namespace kiln::codegen::ops
