// conv2d with one input channel per group (groups == input channels; each
// input channel feeds `multiplier` = filters / groups output channels):
//   out(x, y, c, n) = bias(c) + sum over (kx, ky) of
//       w(kx, ky, 0, c) * padded(x*sx + kx*dx - pl, y*sy + ky*dy - pt, c / multiplier, n)
// The knobs and the heuristic are in codegen/schedules/depthwise_schedule.h.
// A task is (n, a block of whole channels), the block a divisor of the channel
// count, so no two tasks compute or write the same output; kernels below
// kDepthwiseSerialBelowMacs run serially. (The split before this, tasks of
// 5 channels x 16 rows with ShiftInwards tails, made ~100 tasks per layer,
// computed 16% of conv_dw_3 twice, and the two threads' neighbouring tasks
// wrote the same overlapped rows: two threads took 1.5x the CPU time of one
// and up to 2x the wall time; docs/performance.md.) Per channel the task
// walks strips of rows that fit in L1; per strip it buffers the input rows it
// reads (padded, when the conv pads), then
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
#include "codegen/schedules/schedule_knobs.h"

namespace kiln::codegen::ops {

namespace {

using namespace Halide;
using schedules::ConvShape;
using schedules::DepthwiseSchedule;

}  // namespace

DepthwiseSchedule conv_depthwise_schedule(const LowerRequest &req) {
  const ConvShape s = conv_geometry(req).shape;
  if (req.tuned.family == "depthwise")  // a tuned schedule (tune/)
    return schedules::legalize(schedules::depthwise_schedule_from(req.tuned), s);
  return schedules::default_depthwise_schedule(s, req.target);
}

LoweredKernel lower_conv2d_depthwise(const LowerRequest &req) {
  ConvGeometry geo = conv_geometry(req);
  const ConvShape &s = geo.shape;
  if (s.groups != s.in_channels)
    throw InternalError("depthwise lowering called for a conv with groups " +
                        std::to_string(s.groups) + " != input channels " +
                        std::to_string(s.in_channels));
  const int multiplier = extent(s.out_channels / s.groups);
  const DepthwiseSchedule k = conv_depthwise_schedule(req);
  // With an autoscheduler (tuned knobs naming one), the algorithm alone:
  // lower_node schedules it.
  const bool unscheduled = req.tuned.family == "depthwise" && !req.tuned.autoscheduler.empty();

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
  if (unscheduled) {
    LoweredKernel lowered =
        make_kernel(out, params, views, out_view,
                    "conv depthwise, unscheduled" + epilogue.describe("in the output stage"));
    lowered.unscheduled = true;
    return lowered;
  }

  const int vw = k.vector_width;
  const auto shift = TailStrategy::ShiftInwards;
  Var xo("xo"), xi("xi"), xvo("xvo"), xl("xl"), yt("yt"), yr("yr"), yo("yo"), yi("yi");
  Var cb("cb"), cc("cc"), task("task");
  out.split(c, cb, cc, k.task_channels, shift)
      .split(yv, yt, yr, k.strip_rows, shift)
      .split(yr, yo, yi, k.y_block, shift);
  out.split(xv, xo, xi, vw * k.x_vectors, shift).split(xi, xvo, xl, vw).unroll(xvo).unroll(yi);
  if (vw > 1) out.vectorize(xl);
  // The level at which one strip of one channel is fixed: its input rows are
  // buffered there.
  const Var strip = k.split_rows ? cc : yt;
  if (k.split_rows)  // a task per strip
    out.reorder(xl, xvo, yi, xo, yo, cc, yt, cb, n).fuse(yt, cb, task).fuse(task, n, task);
  else  // a task per channel block, walking each channel's strips
    out.reorder(xl, xvo, yi, xo, yo, yt, cc, cb, n).fuse(cb, n, task);
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
    // The strip's input rows of this channel, once, deinterleaved.
    phases.compute_at(out, strip).reorder(xv, ph, yv, c, n).unroll(ph);
    if (vw > 1) phases.vectorize(xv, vw, TailStrategy::RoundUp);
    what += ", input rows buffered per strip";
  } else if (buffered) {
    // The strip's padded input rows of this channel, made once: no
    // boundary selects in the taps.
    padded.compute_at(out, strip);
    if (vw > 1) padded.vectorize(xv, vw, TailStrategy::RoundUp);
    what += ", padded input rows buffered per strip";
  }
  if (multiplier > 1) what += ", channel multiplier " + std::to_string(multiplier);
  return make_kernel(out, params, views, out_view,
                     what + epilogue.describe("on each register block after its reduction"));
}

}  // namespace kiln::codegen::ops
