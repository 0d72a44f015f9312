// conv2d as a matrix multiply (codegen/ops/gemm.h), per group:
//   out[n, g, co, p] = bias + sum_k W[g, co, k] * patch[n, g, k, p]
// p = y * out_w + x runs over the output pixels (the vectorized dimension),
// k = (ci * kernel_h + ky) * kernel_w + kx over a group's window. The patch
// matrix is never stored whole: each GEMM task packs its strip of pixels x
// k into a panel (with the padding mode applied) and reuses it for every
// output channel. A 1x1 stride-1 unpadded conv's input already is the patch
// matrix, read in place. The fused epilogue runs on each register block.
// Small output maps with enough output channels flip the GEMM (lanes along
// the output channels, pixels broadcast: GemmSchedule::lanes_along_i).
#include "codegen/ops/conv_algorithms.h"
#include "codegen/ops/conv_geometry.h"
#include "codegen/ops/gemm.h"
#include "codegen/schedules/gemm_schedule.h"

namespace kiln::codegen::ops {

using namespace Halide;
using schedules::ConvShape;

schedules::GemmSchedule conv_im2col_schedule(const LowerRequest &req) {
  ConvGeometry geo = conv_geometry(req);
  const ConvShape &s = geo.shape;
  const int64_t groups = s.groups, taps = s.kernel_h * s.kernel_w;
  const bool pointwise = is_pointwise(geo);
  schedules::GemmShape shape{s.out_h * s.out_w, s.out_channels / groups,
                             s.in_channels / groups * taps, groups * s.batch};
  schedules::GemmSchedule k;
  if (req.tuned.family == "gemm") {  // a tuned schedule (tune/)
    k = schedules::legalize(schedules::gemm_schedule_from(req.tuned), shape);
  } else {
    // A strided 1x1 keeps the pixel lanes: measured slower with channel lanes
    // (ResNet-50's l4_down_s2: 1.53x oneDNN against 1.37x).
    const bool strided_1x1 = taps == 1 && !pointwise;
    k = !strided_1x1 && schedules::conv_prefers_lanes_along_i(shape, req.target, pointwise)
            ? schedules::lanes_along_i_schedule(shape, req.target)
            : schedules::default_gemm_schedule(shape, req.target, pointwise);
  }
  k.pack_a = k.pack_a || !pointwise;  // the patch panel is what makes im2col
  return k;
}

LoweredKernel lower_conv2d_im2col(const LowerRequest &req) {
  ConvGeometry geo = conv_geometry(req);
  const ConvShape &s = geo.shape;
  const int64_t groups = s.groups, cig = s.in_channels / groups, cog = s.out_channels / groups;
  const int64_t pixels = s.out_h * s.out_w, taps = s.kernel_h * s.kernel_w;
  const bool pointwise = is_pointwise(geo);

  ir::Shape x_view = req.inputs[0].shape;
  if (pointwise) x_view = {s.batch, groups, cig, pixels};
  ir::Shape w_view = {groups, cog, cig * taps};
  ir::Shape out_view = {s.batch, groups, cog, pixels};
  ImageParam x = make_input(x_view, "x"), w = make_input(w_view, "weight");
  std::vector<ImageParam> params = {x, w};
  std::vector<ir::Shape> views = {x_view, w_view};
  GemmOperands op;
  Var j("j"), k("k"), i("i"), g("g"), n("n");
  if (geo.has_bias) {
    ir::Shape b_view = {groups, cog};
    ImageParam bias = make_input(b_view, "bias");
    params.push_back(bias);
    views.push_back(b_view);
    op.seed(j, i, g) = bias(i, g);
  }
  FusedEpilogue epilogue(geo.epilogue, out_view, &params, &views);

  op.b(k, i, g) = w(k, i, g);
  if (pointwise) {
    op.a(j, k, g, n) = x(j, k, g, n);
  } else {
    Func in = geo.needs_boundary ? extend(geo, x) : Func(x);
    int ow = extent(s.out_w), kw = extent(s.kernel_w), kh = extent(s.kernel_h);
    Expr ox = j % ow, oy = j / ow;
    Expr kx = k % kw, ky = (k / kw) % kh, ci = k / (kw * kh);
    Expr ix = ox * extent(s.stride_w) + kx * extent(s.dilation_w) - extent(geo.pad_left);
    Expr iy = oy * extent(s.stride_h) + ky * extent(s.dilation_h) - extent(geo.pad_top);
    op.a(j, k, g, n) = in(ix, iy, g * extent(cig) + ci, n);
  }

  schedules::GemmShape shape{pixels, cog, cig * taps, groups * s.batch};
  schedules::GemmSchedule k_sched = conv_im2col_schedule(req);
  Func out = gemm(op, shape, k_sched, epilogue, "kiln_conv2d_im2col");
  std::string what =
      "conv im2col, " + k_sched.describe() +
      (pointwise ? " (pointwise: the input is the patch matrix)"
                 : " (patch panel per strip" +
                       std::string(geo.needs_boundary ? ", padding applied" : "") + ")") +
      (groups > 1 ? ", per group" : "");
  return make_kernel(out, params, views, out_view,
                     what + epilogue.describe("on each register block after its reduction"));
}

}  // namespace kiln::codegen::ops
