// conv2d with one input channel per group (groups == input channels; each
// input channel feeds `multiplier` = filters / groups output channels):
//   out(x, y, c, n) = bias(c) + sum over (kx, ky) of
//       w(kx, ky, 0, c) * padded(x*sx + kx*dx - pl, y*sy + ky*dy - pt, c / multiplier, n)
// A task is (n, a block of channels, a block of rows), sized so that small
// maps (7x7, 14x14) still give tasks worth their scheduling cost. Per channel
// the task buffers the input rows it reads (padded, when the conv pads), then
// computes register blocks of (vector_width * x_vectors) pixels x y_block rows
// with every kernel tap unrolled, so each input vector loaded serves the taps
// of several rows (row reuse within the block). At stride sx > 1 the buffered
// rows are stored as sx deinterleaved column phases, so every tap is a dense
// (unaligned) vector load instead of a strided load (two loads and a
// shuffle per tap). (Tried and dropped: a narrow row (7, 14 wide) as one block
// of whole 8-lane vectors, the extra lanes dropped: 1.4-2x slower than
// overlapping 4- or 8-lane vectors, the accumulators no longer in registers.)
// The fused epilogue runs on each register block.
#include <algorithm>

#include "codegen/ops/conv_algorithms.h"
#include "codegen/ops/conv_geometry.h"
#include "codegen/ops/lower_util.h"
#include "codegen/schedules/cpu_info.h"

namespace kiln::codegen::ops {

namespace {

using namespace Halide;
using schedules::ConvShape;
using schedules::CpuInfo;

struct DepthwiseSchedule {
  int vector_width = 16, x_vectors = 1, y_block = 4;
  int task_rows = 8;           // output rows per task (a multiple of y_block)
  int task_channels = 1;       // output channels per task
  bool column_phases = false;  // stride_w > 1: buffered rows deinterleaved by column phase
  bool unroll_taps = true, parallel = true;

  std::string describe() const {
    return "conv depthwise: block " + std::to_string(vector_width) + "x" +
           std::to_string(x_vectors) + " (x) * " + std::to_string(y_block) + " (y), " +
           (unroll_taps ? "taps unrolled" : "kx unrolled") + ", tasks of n*" +
           std::to_string(task_channels) + " c*" + std::to_string(task_rows) + " rows" +
           (parallel ? " in parallel" : ", serial") +
           (column_phases ? ", rows buffered in column phases" : "");
  }
};

double useful(int64_t extent, int64_t block) {
  return double(extent) / double(schedules::ceil_div(extent, block) * block);
}

// Estimated cycles per useful output lane of a register block (FMA and load
// throughput, FMA latency, work wasted by tails).
double block_cost(const ConvShape &s, const CpuInfo &cpu, int vw, int xv, int yb, bool phases) {
  double acc = xv * yb;
  // Input vectors per tap row: a loaded row serves up to kernel_h output
  // rows at stride 1; strided loads take about two loads each unless the
  // rows are buffered in column phases.
  double rows_read = s.stride_h == 1 ? (yb + s.kernel_h - 1) / static_cast<double>(s.kernel_h)
                                     : static_cast<double>(yb);
  double loads = xv * rows_read * (phases ? 1 : std::min<int64_t>(s.stride_w, 2));
  double cycles =
      std::max({acc / cpu.fma_units, loads / cpu.load_units, double(cpu.fma_latency)}) + 0.5;
  return cycles / (acc * vw * useful(s.out_w, vw * xv) * useful(s.out_h, yb));
}

DepthwiseSchedule default_depthwise_schedule(const ConvShape &s, const Target &target) {
  CpuInfo cpu = schedules::cpu_info(target);
  DepthwiseSchedule best;
  best.column_phases = s.stride_w > 1;
  double best_cost = 1e30;
  for (int vw = cpu.vector_width; vw >= 4; vw /= 2) {
    int v = schedules::pow2_at_most(s.out_w, vw);
    for (int xv = 1; xv <= 4 && v * xv <= s.out_w; xv++)
      for (int yb = 1; yb <= 8 && yb <= s.out_h; yb++) {
        // Accumulators, a row of input vectors and a weight broadcast.
        if (xv * yb + xv * 2 + 1 > cpu.vector_registers) continue;
        double cost = block_cost(s, cpu, v, xv, yb, best.column_phases);
        if (cost < best_cost * 0.99) {
          best_cost = cost;
          best.vector_width = v;
          best.x_vectors = xv;
          best.y_block = yb;
        }
      }
  }

  // Tasks of at least 16 rows (fewer halo rows buffered twice), at most the image.
  int blocks = static_cast<int>(std::max<int64_t>(
      1, std::min<int64_t>(schedules::ceil_div(16, best.y_block), s.out_h / best.y_block)));
  best.task_rows = best.y_block * blocks;
  // Channels per task: about 4096 outputs a task (a task then costs well
  // above the thread pool's per-task overhead), but at least 8 tasks per
  // image so that two or more threads share the work evenly.
  int64_t per_channel = int64_t(best.task_rows) * s.out_w;
  int64_t row_tasks = schedules::ceil_div(s.out_h, best.task_rows);
  int64_t want = schedules::ceil_div(4096, per_channel);
  int64_t most = std::max<int64_t>(1, s.batch * s.out_channels * row_tasks / 8);
  best.task_channels =
      static_cast<int>(std::clamp<int64_t>(std::min(want, most), 1, s.out_channels));
  best.unroll_taps = s.kernel_h * s.kernel_w <= 25;
  best.parallel =
      s.batch * s.out_channels * s.out_h * s.out_w * s.kernel_h * s.kernel_w >= (1 << 16);
  return best;
}

}  // namespace

LoweredKernel lower_conv2d_depthwise(const LowerRequest &req) {
  ConvGeometry geo = conv_geometry(req);
  const ConvShape &s = geo.shape;
  if (s.groups != s.in_channels)
    throw InternalError("depthwise lowering called for a conv with groups " +
                        std::to_string(s.groups) + " != input channels " +
                        std::to_string(s.in_channels));
  const int multiplier = extent(s.out_channels / s.groups);
  DepthwiseSchedule k = default_depthwise_schedule(s, req.target);

  const ir::Shape &x_view = req.inputs[0].shape, &w_view = req.inputs[1].shape;
  const ir::Shape &out_view = req.outputs[0].shape;
  ImageParam x = make_input(x_view, "x"), w = make_input(w_view, "weight"), bias;
  std::vector<ImageParam> params = {x, w};
  std::vector<ir::Shape> views = {x_view, w_view};
  if (geo.has_bias) {
    bias = make_input(req.inputs[2].shape, "bias");
    params.push_back(bias);
    views.push_back(req.inputs[2].shape);
  }
  FusedEpilogue epilogue(geo.epilogue, out_view, &params, &views);

  // Column phases read a column past the image (the last phase's): a valid
  // conv reads it clamped to the edge.
  const bool buffered = geo.needs_boundary || k.column_phases;
  Var xv("x"), yv("y"), c("c"), n("n"), ph("phase");
  Func padded("padded"), phases("phases"), acc("acc"), out("kiln_conv2d_depthwise");
  if (geo.needs_boundary)
    padded(xv, yv, c, n) = extend(geo, x)(xv, yv, c, n);
  else if (buffered)
    padded(xv, yv, c, n) = BoundaryConditions::repeat_edge(
        x, {Range(0, extent(s.in_w)), Range(0, extent(s.in_h))})(xv, yv, c, n);
  else
    padded(xv, yv, c, n) = x(xv, yv, c, n);
  RDom r(0, extent(s.kernel_w), 0, extent(s.kernel_h), "tap");
  const int sx = extent(s.stride_w);
  Expr ix = xv * sx + r.x * extent(s.dilation_w) - extent(geo.pad_left);
  Expr iy = yv * extent(s.stride_h) + r.y * extent(s.dilation_h) - extent(geo.pad_top);
  Expr ci = multiplier == 1 ? Expr(c) : c / multiplier;
  Expr tap;
  if (k.column_phases) {
    // Column ix is phase ix % sx, position ix / sx; with the taps unrolled
    // both fold to constants plus x, so every tap is a dense vector load.
    phases(xv, ph, yv, c, n) = padded(xv * sx + ph, yv, c, n);
    tap = phases(ix / sx, ix % sx, iy, ci, n);
  } else {
    tap = padded(ix, iy, ci, n);
  }
  acc(xv, yv, c, n) = geo.has_bias ? bias(c) : Expr(0.0f);
  acc(xv, yv, c, n) += w(r.x, r.y, 0, c) * tap;
  out(xv, yv, c, n) = epilogue.apply(acc(xv, yv, c, n), {xv, yv, c, n});

  const int vw = k.vector_width;
  const auto shift = TailStrategy::ShiftInwards;
  Var xo("xo"), xi("xi"), xvo("xvo"), xl("xl"), yt("yt"), yr("yr"), yo("yo"), yi("yi");
  Var cb("cb"), cc("cc"), task("task");
  out.split(c, cb, cc, k.task_channels, shift)
      .split(yv, yt, yr, k.task_rows, shift)
      .split(yr, yo, yi, k.y_block, shift);
  out.split(xv, xo, xi, vw * k.x_vectors, shift)
      .split(xi, xvo, xl, vw)
      .reorder(xl, xvo, yi, xo, yo, cc, yt, cb, n)
      .unroll(xvo);
  if (vw > 1) out.vectorize(xl);
  out.unroll(yi).fuse(yt, cb, task).fuse(task, n, task);
  if (k.parallel) out.parallel(task);

  // In registers: every dimension of the block is unrolled or vectorized.
  // The storage bounds make its size a constant (left to Halide it was a
  // heap allocation per block, which cost about 25%).
  acc.compute_at(out, xo)
      .bound_storage(xv, vw * k.x_vectors)
      .bound_storage(yv, k.y_block)
      .bound_storage(c, 1)
      .bound_storage(n, 1)
      .store_in(MemoryType::Register);
  Var ao("ao"), al("al");
  acc.split(xv, ao, al, vw).unroll(ao).unroll(yv);
  Stage update = acc.update();
  update.split(xv, ao, al, vw).reorder(al, ao, yv, r.x, r.y, c, n).unroll(ao).unroll(yv);
  update.unroll(r.x);
  if (k.unroll_taps) update.unroll(r.y);
  if (vw > 1) {
    acc.vectorize(al);
    update.vectorize(al);
  }

  // Buffers are made in whole vectors (RoundUp): the extra columns read the
  // boundary-extended input, and there is no scalar tail (GuardWithIf's made
  // the 14x14 stride-2 layer 2x slower).
  std::string what = k.describe();
  if (k.column_phases) {
    // The task's rows of this channel, once, deinterleaved.
    phases.compute_at(out, cc).reorder(xv, ph, yv, c, n).unroll(ph);
    if (vw > 1) phases.vectorize(xv, vw, TailStrategy::RoundUp);
    what += ", input rows buffered per task and channel";
  } else if (buffered) {
    // The task's padded rows of this channel, made once: no boundary
    // selects in the taps.
    padded.compute_at(out, cc);
    if (vw > 1) padded.vectorize(xv, vw, TailStrategy::RoundUp);
    what += ", padded input rows buffered per task and channel";
  }
  if (multiplier > 1) what += ", channel multiplier " + std::to_string(multiplier);
  return make_kernel(out, params, views, out_view,
                     what + epilogue.describe("on each register block after its reduction"));
}

}  // namespace kiln::codegen::ops
