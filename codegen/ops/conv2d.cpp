// Halide lowering of conv2d: a direct convolution accumulated in register
// blocks, in one of three forms: over the image rows (define_direct /
// schedule_direct), or, for stride 1, over "flat rows" where the padded
// rows are laid end to end so narrow images still fill whole vectors
// (define_flat / schedule_flat), or over "shifted rows" where the vector
// axis is the unpadded map's pixel index and the input is copied once per
// kernel-x shift, so no lane is dropped (define_shifted / schedule_shifted). The knobs and the heuristic choosing them
// are in codegen/schedules/conv_schedule.h. A pointwise conv is viewed as
// one row of H*W pixels; a conv whose kernel covers its whole input is a
// dense layer and lowered as one. The fused epilogue (activation, residual,
// post-activation) runs in the output stage, vectorized: on each register
// block after its reduction (direct form) or as a task's rows are copied out
// (flat rows).
#include <string>

#include "codegen/ops/conv_algorithms.h"
#include "codegen/ops/conv_geometry.h"
#include "codegen/ops/lower_util.h"
#include "codegen/schedules/conv_schedule.h"
#include "codegen/schedules/cpu_info.h"
#include "codegen/schedules/dense_schedule.h"
#include "ir/ops/conv_algorithm.h"
#include "ir/ops/winograd.h"

namespace kiln::codegen::ops {

namespace {

using namespace Halide;
using schedules::ConvSchedule;
using schedules::ConvShape;

RDom reduction(const ConvShape &s) {
  return RDom(0, extent(s.kernel_w), 0, extent(s.kernel_h), 0, extent(s.in_channels / s.groups),
              "r");
}

// Vectorizes a register block's x (split into vectors of vw, unrolled),
// unrolls the rest; vw == 1 leaves scalars.
template <typename StageOrFunc>
void register_block(StageOrFunc &&s, const VarOrRVar &x, const std::vector<VarOrRVar> &unrolled,
                    int vw) {
  Var xo("xo_r"), xv("xv_r");
  s.split(x, xo, xv, vw).unroll(xo);
  for (const VarOrRVar &v : unrolled) s.unroll(v);
  if (vw > 1) s.vectorize(xv);
}

// --- direct form --------------------------------------------------------

struct DirectFuncs {
  Var x{"x"}, y{"y"}, co{"co"}, n{"n"};
  Func padded{"padded"};    // the input, extended by the padding mode if needed
  Func conv{"conv"};        // bias, then the accumulation over r
  Func out{"kiln_conv2d"};  // the epilogue of conv
  RDom r;
};

// out(x, y, co, n) = bias(co) + sum over (kx, ky, ci in group) of
// w(kx, ky, ci, co) * padded(x*sx + kx*dx - pl, y*sy + ky*dy - pt, ci, n),
// then the epilogue.
void define_direct(DirectFuncs &f, const ConvGeometry &g, const ConvInputs &in,
                   const FusedEpilogue &epilogue) {
  const ConvShape &s = g.shape;
  Var x = f.x, y = f.y, co = f.co, n = f.n;
  if (g.needs_boundary)
    f.padded(x, y, co, n) = extend(g, in.x)(x, y, co, n);
  else
    f.padded(x, y, co, n) = in.x(x, y, co, n);
  f.r = reduction(s);
  const RDom &r = f.r;
  Expr ix = x * extent(s.stride_w) + r.x * extent(s.dilation_w) - extent(g.pad_left);
  Expr iy = y * extent(s.stride_h) + r.y * extent(s.dilation_h) - extent(g.pad_top);
  f.conv(x, y, co, n) = in.bias_or_zero(co);
  f.conv(x, y, co, n) +=
      in.weight(r.x, r.y, r.z, co) * f.padded(ix, iy, input_channel(s, co, r.z), n);
  f.out(x, y, co, n) = epilogue.apply(f.conv(x, y, co, n), {x, y, co, n});
}

// Register blocks of (vw * x_vectors) x y_block x co_block accumulators,
// tasks (n, co block, row block) in parallel, the blocks of a task along x;
// the padded input (when needed) is made once, up front, so the inner loop
// has no boundary selects.
void schedule_direct(DirectFuncs &f, const ConvGeometry &g, const ConvSchedule &k) {
  Var xo("xo"), xi("xi"), yo("yo"), yi("yi"), coo("coo"), coi("coi"), task("task");
  const int vw = k.vector_width;
  const auto shift = TailStrategy::ShiftInwards;
  f.out.split(f.x, xo, xi, vw * k.x_vectors, shift)
      .split(f.y, yo, yi, k.y_block, shift)
      .split(f.co, coo, coi, k.co_block, shift)
      .reorder(xi, yi, coi, xo, yo, coo, f.n);
  register_block(f.out, xi, {yi, coi}, vw);
  if (k.band_tasks) {
    // A task is one row block with all its channel blocks: it pads its
    // input rows itself (into L2), and no whole-image padded copy is made.
    f.out.reorder(coo, yo);
    if (k.parallel) f.out.fuse(yo, f.n, task).parallel(task);
  } else if (k.channels_inner) {
    // Consecutive tasks share a row band of the input (in L2) instead of
    // streaming the whole input once per channel block.
    f.out.reorder(coo, yo);
    if (k.parallel) f.out.fuse(coo, yo, task).fuse(task, f.n, task).parallel(task);
  } else if (k.parallel) {
    f.out.fuse(yo, coo, task).fuse(task, f.n, task).parallel(task);
  }

  // The accumulators live in registers: every block dimension is unrolled
  // or vectorized, and the reduction runs outside them.
  f.conv.compute_at(f.out, xo);
  register_block(f.conv, f.x, {f.y, f.co}, vw);
  Stage update = f.conv.update();
  update.reorder(f.x, f.y, f.co, f.r.x, f.r.y, f.r.z, f.n);
  register_block(update, f.x, {f.y, f.co}, vw);
  if (k.unroll_kx) update.unroll(f.r.x);

  if (g.needs_boundary && k.band_tasks) {
    f.padded.compute_at(f.out, k.parallel ? task : yo);
    if (vw > 1) f.padded.vectorize(f.x, vw);
  } else if (g.needs_boundary) {
    Var cn("cn");
    f.padded.compute_root().fuse(f.co, f.n, cn);
    if (vw > 1) f.padded.vectorize(f.x, vw);
    if (k.parallel) f.padded.parallel(cn);
  }
}

// --- flat-row form (stride 1) -------------------------------------------

struct FlatFuncs {
  Var x{"x"}, y{"y"}, co{"co"}, n{"n"}, q{"q"};
  Func flat_in{"flat_in"};  // padded rows of `pitch` pixels, end to end
  Func acc{"acc"};          // register block of flat outputs
  Func flat{"flat"};        // a task's flat outputs
  Func out{"kiln_conv2d"};  // the wanted positions, through the epilogue
  RDom r;
};

// Output pixel (x, y) is flat position q = y * pitch + x, and tap (kx, ky)
// reads flat input position q + ky*dy*pitch + kx*dx: one long row. The
// positions x >= out_w of each row read across the row's end; they are
// computed and dropped. The epilogue runs on the copy out, where the
// residual is indexed like the output and no dropped position is computed.
void define_flat(FlatFuncs &f, const ConvGeometry &g, const ConvInputs &in,
                 const FusedEpilogue &epilogue) {
  const ConvShape &s = g.shape;
  int pitch = extent(s.out_w + (s.kernel_w - 1) * s.dilation_w);
  Var q = f.q, co = f.co, n = f.n;
  // Always extended: the dropped positions read past the last row.
  Func ext = extend(g, in.x);
  f.flat_in(q, co, n) = ext(q % pitch - extent(g.pad_left), q / pitch - extent(g.pad_top), co, n);
  f.r = reduction(s);
  const RDom &r = f.r;
  Expr tap = q + r.y * extent(s.dilation_h * pitch) + r.x * extent(s.dilation_w);
  f.acc(q, co, n) = in.bias_or_zero(co);
  f.acc(q, co, n) += in.weight(r.x, r.y, r.z, co) * f.flat_in(tap, input_channel(s, co, r.z), n);
  f.flat(q, co, n) = f.acc(q, co, n);
  f.out(f.x, f.y, co, n) =
      epilogue.apply(f.flat(f.y * pitch + f.x, co, n), {f.x, f.y, co, n});
}

// Tasks (n, co block) in parallel; a task computes its channels' flat row
// in register blocks of (vw * x_vectors) positions x co_block channels,
// then copies the wanted positions out.
void schedule_flat(FlatFuncs &f, const ConvGeometry &g, const ConvSchedule &k) {
  Var coo("coo"), coi("coi"), task("task"), qo("qo"), qi("qi");
  const int vw = k.vector_width;
  const auto shift = TailStrategy::ShiftInwards;
  f.out.split(f.co, coo, coi, k.co_block, shift).reorder(f.x, f.y, coi, coo, f.n);
  int out_vw = schedules::pow2_at_most(g.shape.out_w, vw);
  if (out_vw > 1) f.out.vectorize(f.x, out_vw, shift);
  if (k.parallel) f.out.fuse(coo, f.n, task).parallel(task);
  LoopLevel per_task(f.out, k.parallel ? task : coo);

  f.flat.compute_at(per_task)
      .split(f.q, qo, qi, vw * k.x_vectors, shift)
      .reorder(qi, f.co, qo, f.n);
  register_block(f.flat, qi, {f.co}, vw);
  f.acc.compute_at(f.flat, qo);
  register_block(f.acc, f.q, {f.co}, vw);
  Stage update = f.acc.update();
  update.reorder(f.q, f.co, f.r.x, f.r.y, f.r.z, f.n);
  register_block(update, f.q, {f.co}, vw);
  if (k.unroll_kx) update.unroll(f.r.x);

  Var cn("cn");
  f.flat_in.compute_root().fuse(f.co, f.n, cn);
  if (vw > 1) f.flat_in.vectorize(f.q, vw);
  if (k.parallel) f.flat_in.parallel(cn);
}

// --- shifted-rows form (stride 1, groups 1) -----------------------------

struct ShiftedFuncs {
  Var x{"x"}, y{"y"}, co{"co"}, n{"n"}, p{"p"}, kx{"kx"}, c{"c"};
  Func shifted{"shifted_in"};  // (p, kx, ci, n): input row pixels shifted by kx, end to end
  Func partial{"partial"};     // (p, co, chunk, n): register block over one ci chunk
  Func total{"total"};         // (p, co, n): bias plus the chunks, a task's outputs
  Func out{"kiln_conv2d"};     // total through the epilogue
  RDom r;                      // kx, ky, ci within a chunk
  RDom rc;                     // the chunks
};

// Output pixel (x, y) is p = y * out_w + x. shifted(p, kx) holds the padded
// input at (x + kx*dx - pl, y - pt) for p = y * out_w + x, so tap (kx, ky)
// of output p reads shifted(p + ky*dy*out_w, kx): contiguous in p across
// row ends, every lane wanted.
void define_shifted(ShiftedFuncs &f, const ConvGeometry &g, const ConvInputs &in,
                    const FusedEpilogue &epilogue, int64_t chunk) {
  const ConvShape &s = g.shape;
  Var x = f.x, y = f.y, co = f.co, n = f.n, p = f.p, c = f.c;
  Expr w = extent(s.out_w);
  Func ext = extend(g, in.x);  // also serves reads past the last row (rounded-up blocks)
  f.shifted(p, f.kx, co, n) = ext(p % w + f.kx * extent(s.dilation_w) - extent(g.pad_left),
                                  p / w - extent(g.pad_top), co, n);
  f.r = RDom(0, extent(s.kernel_w), 0, extent(s.kernel_h), 0, extent(chunk), "r");
  f.rc = RDom(0, extent(s.in_channels / chunk), "rc");
  const RDom &r = f.r;
  Expr ci = c * extent(chunk) + r.z;
  f.partial(p, co, c, n) = 0.0f;
  f.partial(p, co, c, n) +=
      in.weight(r.x, r.y, ci, co) * f.shifted(p + r.y * extent(s.dilation_h * s.out_w), r.x, ci, n);
  f.total(p, co, n) = in.bias_or_zero(co);
  f.total(p, co, n) += f.partial(p, co, f.rc, n);
  f.out(x, y, co, n) = epilogue.apply(f.total(y * w + x, co, n), {x, y, co, n});
}

// Tasks (n, task_channels block) in parallel. A task walks the ci chunks
// outermost; per chunk, its co blocks, then its pixel blocks: a register
// block of (vw * x_vectors) pixels x co_block channels sums the chunk
// (partial) and adds it into the task's outputs (total).
void schedule_shifted(ShiftedFuncs &f, const ConvGeometry &g, const ConvSchedule &k) {
  Var ct("ct"), cti("cti"), task("task"), qo("qo"), qi("qi"), cm("cm"), coi("coi");
  const int vw = k.vector_width;
  f.out.split(f.co, ct, cti, k.task_channels, TailStrategy::ShiftInwards)
      .reorder(f.x, f.y, cti, ct, f.n);
  int out_vw = schedules::pow2_at_most(g.shape.out_w, vw);
  if (out_vw > 1) f.out.vectorize(f.x, out_vw, TailStrategy::ShiftInwards);
  if (k.parallel) f.out.fuse(ct, f.n, task).parallel(task);
  f.total.compute_at(f.out, k.parallel ? task : ct);
  if (vw > 1) f.total.vectorize(f.p, vw);
  // Round up, not shift inwards: an update applied twice would add twice.
  // The task's channels are whole co blocks (legalize), the pixels round
  // up inside the task's buffer.
  Stage sum = f.total.update();
  sum.split(f.p, qo, qi, vw * k.x_vectors, TailStrategy::RoundUp)
      .split(f.co, cm, coi, k.co_block, TailStrategy::RoundUp)
      .reorder(qi, coi, qo, cm, f.rc, f.n);
  register_block(sum, qi, {coi}, vw);

  f.partial.compute_at(f.total, qo);
  register_block(f.partial, f.p, {f.co}, vw);
  Stage update = f.partial.update();
  update.reorder(f.p, f.co, f.r.x, f.r.y, f.r.z, f.c, f.n);
  register_block(update, f.p, {f.co}, vw);
  if (k.unroll_kx) update.unroll(f.r.x);

  Var kc("kc");
  f.shifted.compute_root().fuse(f.kx, f.co, kc).fuse(kc, f.n, kc);
  if (vw > 1) f.shifted.vectorize(f.p, vw);
  if (k.parallel) f.shifted.parallel(kc);
}

// --- lowering -------------------------------------------------------------

// `unscheduled`: the direct form with no scheduling directive, for an
// autoscheduler (lower_node applies it); `want` is then unused.
LoweredKernel lower_conv(const LowerRequest &req, ConvGeometry g, const ConvSchedule &want,
                         bool unscheduled = false) {
  const ir::Shape &xs = req.inputs[0].shape;
  const ir::Shape &ws = req.inputs[1].shape;
  ir::Shape in_view = xs, out_view = req.outputs[0].shape;
  bool pointwise = is_pointwise(g);
  if (pointwise) {
    view_pointwise(g.shape);
    in_view = {xs[0], xs[1], 1, g.shape.in_w};
    out_view = {g.shape.batch, g.shape.out_channels, 1, g.shape.out_w};
  }
  ConvSchedule k = schedules::legalize(want, g.shape);

  ConvInputs in{make_input(in_view, "x"), make_input(ws, "weight"), ImageParam(), g.has_bias};
  std::vector<ImageParam> params = {in.x, in.weight};
  std::vector<ir::Shape> views = {in_view, ws};
  if (g.has_bias) {
    in.bias = make_input(req.inputs[2].shape, "bias");
    params.push_back(in.bias);
    views.push_back(req.inputs[2].shape);
  }
  FusedEpilogue epilogue(g.epilogue, out_view, &params, &views);
  std::string what = k.describe() + (pointwise ? " (pointwise, H*W as one row)" : "");
  if (unscheduled) {
    DirectFuncs f;
    define_direct(f, g, in, epilogue);
    LoweredKernel out = make_kernel(f.out, params, views, out_view,
                                    std::string("direct conv") +
                                        (pointwise ? " (pointwise, H*W as one row)" : "") +
                                        epilogue.describe("in the output stage"));
    out.unscheduled = true;
    return out;
  }
  if (k.shifted_rows) {
    ShiftedFuncs f;
    define_shifted(f, g, in, epilogue, k.ci_chunk);
    schedule_shifted(f, g, k);
    return make_kernel(f.out, params, views, out_view,
                       what + ", input copied per kernel-x shift" +
                           epilogue.describe("on each task's outputs as they are copied out"));
  }
  if (k.flat_rows) {
    FlatFuncs f;
    define_flat(f, g, in, epilogue);
    schedule_flat(f, g, k);
    return make_kernel(f.out, params, views, out_view,
                       what + ", flat padded input buffered" +
                           epilogue.describe("on each task's rows as they are copied out"));
  }
  DirectFuncs f;
  define_direct(f, g, in, epilogue);
  schedule_direct(f, g, k);
  return make_kernel(f.out, params, views, out_view,
                     what + (g.needs_boundary ? ", padded input buffered" : "") +
                         epilogue.describe("on each register block after its reduction"));
}

}  // namespace

LoweredKernel lower_conv2d_with(const LowerRequest &req, const ConvSchedule &schedule) {
  return lower_conv(req, conv_geometry(req), schedule);
}

LoweredKernel lower_conv2d_direct(const LowerRequest &req) {
  ConvGeometry g = conv_geometry(req);
  const ConvShape &s = g.shape;
  if (is_whole_input(g)) {
    schedules::DenseShape d{s.batch, s.in_channels * s.in_h * s.in_w, s.out_channels};
    return lower_matmul_wt(d, g.has_bias, g.epilogue,
                           schedules::default_dense_schedule(d, req.target),
                           " (conv whose kernel covers its input)");
  }
  ConvShape view = s;
  if (is_pointwise(g)) view_pointwise(view);
  return lower_conv(req, g, schedules::default_conv_schedule(view, req.target));
}

LoweredKernel lower_conv2d(const LowerRequest &req) {
  // The weight is the Winograd-transformed filter: no other lowering (nor a
  // tuned direct schedule) can read it; a tuned Winograd schedule applies.
  if (req.tuned.family != "" && req.tuned.family != "winograd" &&
      ir::ops::weights_pretransformed(req.node.attrs))
    throw InternalError("conv2d '" + req.node.name + "': knobs of family '" + req.tuned.family +
                        "' for a conv with pretransformed Winograd weights");
  if (ir::ops::weights_pretransformed(req.node.attrs))
    return lower_conv2d_winograd(
        req, ir::ops::winograd_tile(req.node.attrs.get_string("algorithm")));
  if (req.tuned.family == "conv2d" && !req.tuned.autoscheduler.empty())
    return lower_conv(req, conv_geometry(req), ConvSchedule{}, true);  // lower_node schedules it
  if (req.tuned.family == "conv2d")  // a tuned direct schedule (tune/)
    return lower_conv2d_with(req, schedules::conv_schedule_from(req.tuned));
  const ir::Attrs &a = req.node.attrs;
  std::string algorithm = a.has("algorithm") ? a.get_string("algorithm") : "auto";
  std::string unfit = ir::ops::conv_algorithm_unfit(algorithm, a, req.inputs[0].shape);
  if (!unfit.empty()) throw InternalError("conv2d '" + req.node.name + "': " + unfit);
  // Tuned knobs of family "gemm" shape im2col, "winograd" the Winograd ones,
  // "depthwise" the depthwise kernel.
  const std::string family = algorithm == "im2col"                          ? "gemm"
                             : ir::ops::winograd_tile(algorithm) != 0      ? "winograd"
                             : algorithm == "depthwise"                    ? "depthwise"
                                                                           : "";
  if (!req.tuned.empty() && req.tuned.family != family)
    throw InternalError("conv2d '" + req.node.name + "': knobs of family '" + req.tuned.family +
                        "' for algorithm " + algorithm);
  if (algorithm == "im2col") return lower_conv2d_im2col(req);
  if (algorithm == "winograd_f2") return lower_conv2d_winograd(req, 2);
  if (algorithm == "winograd_f4") return lower_conv2d_winograd(req, 4);
  if (algorithm == "depthwise") return lower_conv2d_depthwise(req);
  return lower_conv2d_direct(req);  // "direct" and "auto"
}

}  // namespace kiln::codegen::ops
