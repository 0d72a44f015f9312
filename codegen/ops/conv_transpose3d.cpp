// Halide lowering of conv_transpose3d over NCDHW (Halide order x = width,
// y = height, z = depth, c, n) as a direct gather, for correctness first:
// output o (per axis) receives tap k from input (o + pad_begin - k *
// dilation) / stride when that divides exactly and lands inside the input
// (the input is extended by zeros; other taps select 0). Each output reduces
// over its group's input channels and the kernel. Schedule: vectors along
// the output width, tasks over (channel, batch) in parallel.
#include "codegen/ops/lower_util.h"
#include "ir/ops/transposed_window3d.h"

namespace kiln::codegen::ops {

using namespace Halide;

LoweredKernel lower_conv_transpose3d(const LowerRequest &req) {
  const ir::Attrs &a = req.node.attrs;
  const ir::Shape &xs = req.inputs[0].shape, &ws = req.inputs[1].shape;
  const ir::Shape &ys = req.outputs[0].shape;
  const ir::TransposedWindow3d w = ir::resolve_transposed_window3d(a, {xs[2], xs[3], xs[4]});
  const int groups = extent(a.get_int("groups"));
  const int cin_g = extent(xs[1] / groups), cout_g = extent(ws[1]);
  const bool use_bias = a.get_int("use_bias") != 0;
  ImageParam in = make_input(xs, "x"), weight = make_input(ws, "weight");
  std::vector<ImageParam> params = {in, weight};
  std::vector<ir::Shape> views = {xs, ws};
  ImageParam bias;
  if (use_bias) {
    bias = make_input(req.inputs[2].shape, "bias");
    params.push_back(bias);
    views.push_back(req.inputs[2].shape);
  }
  Region image = {Range(0, extent(xs[4])), Range(0, extent(xs[3])), Range(0, extent(xs[2]))};
  Func src = BoundaryConditions::constant_exterior(in, Expr(0.0f), image);
  Var x("x"), y("y"), z("z"), c("c"), n("n");
  RDom r(0, extent(w.kernel[2]), 0, extent(w.kernel[1]), 0, extent(w.kernel[0]), 0, cin_g, "r");
  // Per axis (Halide order: width, height, depth): the strided input
  // coordinate t = o + pad_begin - k * dilation; input t / stride when exact.
  const Expr o[3] = {x, y, z};
  Expr idx[3], exact = cast<bool>(1);
  for (int h = 0; h < 3; h++) {
    const int k = 2 - h;  // kiln axis: 0 depth, 1 height, 2 width
    Expr t = o[h] + extent(w.pad_begin[k]) - r[h] * extent(w.dilation[k]);
    const int s = extent(w.stride[k]);
    idx[h] = s == 1 ? t : t / s;  // Halide's / floors, % is non-negative
    if (s > 1) exact = exact && t % s == 0;
  }
  Expr ic = (c / cout_g) * cin_g + r[3];
  Expr tap = src(idx[0], idx[1], idx[2], ic, n) * weight(r[0], r[1], r[2], c % cout_g, ic);
  Func acc("acc");
  acc(x, y, z, c, n) = use_bias ? bias(c) : Expr(0.0f);
  acc(x, y, z, c, n) += select(exact, tap, 0.0f);
  Func out("kiln_conv_transpose3d");
  out(x, y, z, c, n) = acc(x, y, z, c, n);

  const int vw = ys[4] >= natural_vector_width(req.target) ? natural_vector_width(req.target) : 1;
  Var xo("xo"), xi("xi"), task("task");
  out.fuse(c, n, task).parallel(task);
  if (vw > 1) out.split(x, xo, xi, vw, TailStrategy::ShiftInwards).vectorize(xi);
  acc.compute_at(out, vw > 1 ? xo : x);
  acc.update().reorder(x, r[0], r[1], r[2], r[3]);
  if (vw > 1) {
    acc.vectorize(x);
    acc.update().vectorize(x);
  }
  return make_kernel(out, params, views, ys,
                     "direct gather; vectors of " + std::to_string(vw) +
                         " along the output width, (channel, batch) tasks in parallel");
}

}  // namespace kiln::codegen::ops
