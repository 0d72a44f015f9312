// Halide lowering of conv3d, max_pool3d and avg_pool3d over NCDHW (Halide
// order x = width, y = height, z = depth, c, n). Direct definitions, for
// correctness first: each output element reduces over its window (and, for
// conv3d, the group's input channels); windows that leave the input read a
// constant exterior (0 for sums, -inf for max). Schedule: vectors along the
// output width, tasks over (channel, batch) in parallel.
#include <algorithm>
#include <limits>

#include "codegen/ops/lower_util.h"
#include "ir/ops/window3d.h"

namespace kiln::codegen::ops {

namespace {

using namespace Halide;

struct Coords {
  Var x{"x"}, y{"y"}, z{"z"}, c{"c"}, n{"n"};
};

ir::Shape spatial(const ir::Shape &s) { return {s[2], s[3], s[4]}; }

// The input, with `outside` beyond its spatial extent when windows leave it.
Func extended(ImageParam in, const ir::Window3d &w, Expr outside) {
  if (!ir::reads_outside_input(w)) return in;
  Region image = {Range(0, extent(w.in[2])), Range(0, extent(w.in[1])), Range(0, extent(w.in[0]))};
  return BoundaryConditions::constant_exterior(in, outside, image);
}

// Vectors of the natural width along x (when the output is that wide),
// tasks (c, n) in parallel; the accumulator per vector, its reduction
// vectorized along x.
std::string schedule_window(Func out, Func acc, const Coords &v, const RDom &r, int64_t out_w,
                            const Target &target) {
  const int vw = out_w >= natural_vector_width(target) ? natural_vector_width(target) : 1;
  Var xo("xo"), xi("xi"), task("task");
  out.reorder(v.x, v.y, v.z, v.c, v.n).fuse(v.c, v.n, task).parallel(task);
  if (vw > 1) out.split(v.x, xo, xi, vw, TailStrategy::ShiftInwards).vectorize(xi);
  acc.compute_at(out, vw > 1 ? xo : v.x);
  std::vector<VarOrRVar> order = {v.x};
  for (int k = 0; k < r.dimensions(); k++) order.push_back(r[k]);
  acc.update().reorder(order);
  if (vw > 1) {
    acc.vectorize(v.x);
    acc.update().vectorize(v.x);
  }
  return "direct; vectors of " + std::to_string(vw) +
         " along the output width, (channel, batch) tasks in parallel";
}

}  // namespace

LoweredKernel lower_conv3d(const LowerRequest &req) {
  const ir::Attrs &a = req.node.attrs;
  const ir::Shape &xs = req.inputs[0].shape, &ws = req.inputs[1].shape;
  const ir::Shape &ys = req.outputs[0].shape;
  const ir::Window3d w = ir::resolve_window3d(a, spatial(xs), false, false);
  const int groups = extent(a.get_int("groups"));
  const int cin_g = extent(ws[1]), cout_g = extent(ys[1] / groups);
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
  Func src = extended(in, w, Expr(0.0f));
  Coords v;
  RDom r(0, extent(w.kernel[2]), 0, extent(w.kernel[1]), 0, extent(w.kernel[0]), 0, cin_g, "r");
  Expr ix = v.x * extent(w.stride[2]) + r[0] * extent(w.dilation[2]) - extent(w.pad_begin[2]);
  Expr iy = v.y * extent(w.stride[1]) + r[1] * extent(w.dilation[1]) - extent(w.pad_begin[1]);
  Expr iz = v.z * extent(w.stride[0]) + r[2] * extent(w.dilation[0]) - extent(w.pad_begin[0]);
  Expr ic = (v.c / cout_g) * cin_g + r[3];
  Func acc("acc");
  acc(v.x, v.y, v.z, v.c, v.n) = use_bias ? bias(v.c) : Expr(0.0f);
  acc(v.x, v.y, v.z, v.c, v.n) += src(ix, iy, iz, ic, v.n) * weight(r[0], r[1], r[2], r[3], v.c);
  Func out("kiln_conv3d");
  out(v.x, v.y, v.z, v.c, v.n) = acc(v.x, v.y, v.z, v.c, v.n);
  std::string schedule = schedule_window(out, acc, v, r, ys[4], req.target);
  return make_kernel(out, params, views, ys, schedule);
}

namespace {

LoweredKernel lower_pool3d(const LowerRequest &req, bool is_max) {
  const ir::Attrs &a = req.node.attrs;
  const ir::Shape &xs = req.inputs[0].shape, &ys = req.outputs[0].shape;
  const ir::Window3d w = ir::resolve_window3d(a, spatial(xs), true, a.get_int("ceil_mode") != 0);
  ImageParam in = make_input(xs, "x");
  const Expr neg_inf(-std::numeric_limits<float>::infinity());
  Func src = extended(in, w, is_max ? neg_inf : Expr(0.0f));
  Coords v;
  RDom r(0, extent(w.kernel[2]), 0, extent(w.kernel[1]), 0, extent(w.kernel[0]), "r");
  const Expr o[3] = {v.z, v.y, v.x};  // depth, height, width
  Expr start[3], tap[3];
  for (int k = 0; k < 3; k++) {
    start[k] = o[k] * extent(w.stride[k]) - extent(w.pad_begin[k]);
    tap[k] = start[k] + r[2 - k] * extent(w.dilation[k]);
  }
  Expr value = src(tap[2], tap[1], tap[0], v.c, v.n);
  Func acc("acc");
  Func out(is_max ? "kiln_max_pool3d" : "kiln_avg_pool3d");
  if (is_max) {
    acc(v.x, v.y, v.z, v.c, v.n) = neg_inf;
    acc(v.x, v.y, v.z, v.c, v.n) = max(acc(v.x, v.y, v.z, v.c, v.n), value);
    out(v.x, v.y, v.z, v.c, v.n) = acc(v.x, v.y, v.z, v.c, v.n);
  } else {
    acc(v.x, v.y, v.z, v.c, v.n) = 0.0f;
    acc(v.x, v.y, v.z, v.c, v.n) += value;
    // The divisor: the window's extent per axis, clipped to the padded input
    // (count_include_pad) or to the input.
    const bool include_pad = a.get_int("count_include_pad") != 0;
    Expr count = 1;
    for (int k = 0; k < 3; k++) {
      const int kk = extent(w.kernel[k]);
      Expr end = min(start[k] + kk, extent(w.in[k] + (include_pad ? w.pad_end[k] : 0)));
      count *= end - (include_pad ? start[k] : max(start[k], 0));
    }
    out(v.x, v.y, v.z, v.c, v.n) = acc(v.x, v.y, v.z, v.c, v.n) / cast<float>(count);
  }
  std::string schedule = schedule_window(out, acc, v, r, ys[4], req.target);
  return make_kernel(out, {in}, {xs}, ys, schedule);
}

}  // namespace

LoweredKernel lower_max_pool3d(const LowerRequest &req) { return lower_pool3d(req, true); }
LoweredKernel lower_avg_pool3d(const LowerRequest &req) { return lower_pool3d(req, false); }

}  // namespace kiln::codegen::ops
