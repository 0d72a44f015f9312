// Halide lowering of conv2d_dw_pw (ir/ops/conv_dw_pw.h): a depthwise conv and
// the 1x1 conv reading it, in one kernel whose depthwise output never goes to
// memory:
//
//   dw(x, y, c, n)  = dw_bias(c) + sum over taps of dw_w(kx, ky, c) * padded(...)
//   mid(q, c, n)    = dw_epilogue(dw(q % out_w, q / out_w, c, n))   q: flat pixel
//   out(q, f, n)    = pw_epilogue(pw_bias(f) + sum over c of pw_w(c, f) * mid(q, c, n))
//
// The output is seen as [N, F, out_h * out_w] (a pointwise conv's rows laid
// end to end, so narrow images still fill whole vectors). Per task (n, a band
// of output pixels, a chunk of output channels: codegen/schedules/dw_pw_schedule.h)
// the depthwise output of the rows the band touches is computed channel by
// channel (vectorized along the row, taps unrolled) and copied flat into `mid`, a
// scratch sized to stay in L2; then the pointwise conv runs over the band's
// pixels in register blocks (pixels vectorized x output channels unrolled,
// the channel reduction inside), as codegen/ops/conv2d.cpp does for a
// pointwise conv. The epilogues run on the copy (depthwise) and on each
// register block (pointwise).
#include "codegen/ops/conv_dw_pw.h"

#include "codegen/ops/conv_geometry.h"
#include "codegen/ops/lower_util.h"
#include "codegen/schedules/cpu_info.h"
#include "ir/ops/conv_dw_pw.h"

namespace kiln::codegen::ops {

namespace {

using namespace Halide;

struct DwPwGeometry {
  ConvGeometry dw, pw;
};

DwPwGeometry dw_pw_geometry(const LowerRequest &req) {
  const ir::ops::DwPwConvs convs = ir::ops::split_dw_pw(req.node.attrs, req.inputs[0].shape[1]);
  const ir::Node dw_node{req.node.name, "conv2d", {}, {}, convs.depthwise};
  const ir::Node pw_node{req.node.name, "conv2d", {}, {}, convs.pointwise};
  DwPwGeometry g;
  g.dw = conv_geometry({dw_node, {req.inputs[0], req.inputs[1], req.inputs[2]}, {}, req.target});
  const schedules::ConvShape &d = g.dw.shape;
  ir::TensorType mid{ir::DType::F32, {d.batch, d.out_channels, d.out_h, d.out_w}};
  g.pw = conv_geometry({pw_node, {mid, req.inputs[3], req.inputs[4]}, {}, req.target});
  return g;
}

}  // namespace

schedules::DwPwShape conv_dw_pw_shape(const LowerRequest &req) {
  DwPwGeometry g = dw_pw_geometry(req);
  return {g.dw.shape, g.pw.shape};
}

LoweredKernel lower_conv2d_dw_pw_with(const LowerRequest &req,
                                      const schedules::DwPwSchedule &want) {
  const DwPwGeometry geo = dw_pw_geometry(req);
  const schedules::ConvShape &ds = geo.dw.shape, &ps = geo.pw.shape;
  if (ds.groups != ds.in_channels || ds.out_channels != ds.in_channels || !is_pointwise(geo.pw) ||
      ps.groups != 1)
    throw InternalError("conv2d_dw_pw '" + req.node.name +
                        "': not a depthwise conv followed by a pointwise one");
  const schedules::DwPwSchedule k = schedules::legalize(want, {ds, ps});
  const int C = extent(ds.out_channels), OW = extent(ds.out_w);

  const ir::Shape &xs = req.inputs[0].shape;
  const ir::Shape out_view = {ds.batch, ps.out_channels, ds.out_h * ds.out_w};
  const ir::Shape pw_view = {ps.out_channels, ps.in_channels};
  ImageParam x = make_input(xs, "x"), dw_w = make_input(req.inputs[1].shape, "dw_weight"),
             dw_b = make_input(req.inputs[2].shape, "dw_bias"),
             pw_w = make_input(pw_view, "pw_weight"),
             pw_b = make_input(req.inputs[4].shape, "pw_bias");
  std::vector<ImageParam> params = {x, dw_w, dw_b, pw_w, pw_b};
  std::vector<ir::Shape> views = {xs, req.inputs[1].shape, req.inputs[2].shape, pw_view,
                                  req.inputs[4].shape};
  // The depthwise epilogue has no residual (the pass checks), so it takes no input.
  FusedEpilogue dw_epilogue(geo.dw.epilogue, {}, nullptr, nullptr);
  FusedEpilogue pw_epilogue(geo.pw.epilogue, out_view, &params, &views);

  Var xv("x"), yv("y"), c("c"), n("n"), q("q"), f("f");
  Func padded("padded"), dw("dw"), mid("mid"), pw("pw"), out("kiln_conv2d_dw_pw");
  // Always extended: the depthwise rows are made in whole vectors (RoundUp),
  // whose extra lanes read past the image and are dropped.
  padded(xv, yv, c, n) = extend(geo.dw, x)(xv, yv, c, n);
  RDom tap(0, extent(ds.kernel_w), 0, extent(ds.kernel_h), "tap");
  Expr ix = xv * extent(ds.stride_w) + tap.x * extent(ds.dilation_w) - extent(geo.dw.pad_left);
  Expr iy = yv * extent(ds.stride_h) + tap.y * extent(ds.dilation_h) - extent(geo.dw.pad_top);
  dw(xv, yv, c, n) = dw_b(c);
  dw(xv, yv, c, n) += dw_w(tap.x, tap.y, 0, c) * padded(ix, iy, c, n);
  mid(q, c, n) = dw_epilogue.apply(dw(q % OW, q / OW, c, n), {});
  RDom rc(0, C, "rc");
  pw(q, f, n) = pw_b(f);
  pw(q, f, n) += pw_w(rc, f) * mid(q, rc, n);
  out(q, f, n) = pw_epilogue.apply(pw(q, f, n), {q, f, n});

  // --- schedule ---
  const auto shift = TailStrategy::ShiftInwards;
  const int band = k.band_pixels, pvw = k.pw_vector_width;
  const int block = pvw * k.pw_x_vectors;
  Var qb("qb"), qi("qi"), qo("qo"), qv("qv"), fc("fc"), fi("fi"), fo("fo"), fb("fb"), task("task");
  out.split(q, qb, qi, band, shift)
      .split(f, fc, fi, k.f_chunk, shift)
      .split(fi, fo, fb, k.co_block, shift)
      .split(qi, qo, qv, block, shift)
      .reorder(qv, fb, qo, fo, fc, qb, n);
  if (k.channels_inner) out.reorder(fo, qo);
  {
    Var vo("vo"), vl("vl");
    out.split(qv, vo, vl, pvw).unroll(vo).unroll(fb);
    if (pvw > 1) out.vectorize(vl);
  }
  out.fuse(fc, qb, task).fuse(task, n, task);
  if (k.parallel) out.parallel(task);

  // The pointwise accumulators in registers: the block's pixels vectorized,
  // its channels unrolled, the channel reduction outside them.
  pw.compute_at(out, k.channels_inner ? fo : qo);
  Stage update = pw.update();
  {
    Var vo("pvo"), vl("pvl");
    pw.split(q, vo, vl, pvw).unroll(vo).unroll(f);
    update.reorder(q, f, rc, n).split(q, vo, vl, pvw).unroll(vo).unroll(f);
    if (pvw > 1) {
      pw.vectorize(vl);
      update.vectorize(vl);
    }
  }

  // The band's depthwise output, every channel, flat: computed per task
  // (a chunk of output channels recomputes it: cheap next to the pointwise
  // MACs), channel by channel, each channel's rows in registers per vector.
  mid.compute_at(out, task).reorder(q, c, n);
  const int mvw = schedules::pow2_at_most(int64_t(band), pvw);
  if (mvw > 1) mid.vectorize(q, mvw, shift);
  const int dvw = k.dw_vector_width;
  dw.compute_at(mid, c);
  Stage dw_update = dw.update();
  {
    // RoundUp: an update cannot shift its tail inwards.
    Var xo("dxo"), xl("dxl");
    dw.split(xv, xo, xl, dvw, TailStrategy::RoundUp);
    dw_update.split(xv, xo, xl, dvw, TailStrategy::RoundUp)
        .reorder(xl, tap.x, tap.y, xo, yv, c, n)
        .unroll(tap.x)
        .unroll(tap.y);
    if (dvw > 1) {
      dw.vectorize(xl);
      dw_update.vectorize(xl);
    }
  }
  // The channel's padded input rows, once: no boundary selects in the taps.
  padded.compute_at(mid, c);
  if (dvw > 1) padded.vectorize(xv, dvw, TailStrategy::RoundUp);
  return make_kernel(out, params, views, out_view,
                     k.describe() +
                         dw_epilogue.describe("depthwise, on the copy into the scratch") +
                         pw_epilogue.describe("pointwise, on each register block"));
}

LoweredKernel lower_conv2d_dw_pw(const LowerRequest &req) {
  const schedules::DwPwShape shape = conv_dw_pw_shape(req);
  return lower_conv2d_dw_pw_with(req, schedules::default_dw_pw_schedule(shape, req.target));
}

}  // namespace kiln::codegen::ops
