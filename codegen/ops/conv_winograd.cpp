// Halide lowering of a 3x3, stride-1 conv2d by Winograd's F(m x m, 3x3),
// m = 2 or 4 (codegen/ops/winograd_matrices.h; Lavin & Gray 2015). With
// alpha = m + 2 and the output cut into m x m tiles t:
//   U(k, c, p)    = G g(k, c) GT               filter transform, p = (i, j)
//   V(t, c, p)    = BT d(t, c) B               input transform of t's
//                                              alpha x alpha input window
//   M(t, k, p)    = sum_c V(t, c, p) U(k, c, p) one GEMM per point p
//   Y(t, k)       = AT M(t, k) A + bias(k)     output transform
//   out(x, y, k)  = epilogue(Y(tile of x, y)(y % m, x % m))
// The GEMMs do alpha^2 / m^2 multiplies per output and channel pair instead
// of 9 (4 for F(2x2), 2.25 for F(4x4)).
//
// The filter transform: an inference graph's pretransform-winograd pass
// (passes/pretransform_winograd.h) computes U at compile time and marks the
// conv `weights_pretransformed`; the kernel then reads U ({alpha, alpha, C,
// K}, output channels innermost) in place. Otherwise (weights fed at run
// time, training libraries) the kernel transforms the filter once per call:
// about 56 (F2) or 126 (F4) multiply-adds per (k, c) pair (the nonzero
// entries of G), against 9 * H * W for the convolution: small for large
// images, a fifth of the GEMMs' work at 14x14 (docs/winograd.md).
//
// Schedule: tasks of `rows` tile rows x a group of output channels run in
// parallel (about one per core). A task transforms its tiles' inputs for
// every channel once (V, tiles innermost; made once up front instead when
// the channels are split into groups), then, per block of kb output
// channels, runs the GEMMs in register blocks of (vw * tv tiles) x kb
// channels, accumulated over c in registers, applies the output transform and bias, and writes the block's
// outputs through the epilogue. Tiles past the image's edge (the tails)
// read the input extended by the padding mode; their outputs are dropped.
#include <algorithm>
#include <functional>
#include <string>

#include "codegen/ops/conv_algorithms.h"
#include "codegen/ops/conv_geometry.h"
#include "codegen/ops/lower_util.h"
#include "codegen/ops/winograd_matrices.h"
#include "codegen/schedules/cpu_info.h"
#include "codegen/schedules/winograd_schedule.h"

namespace kiln::codegen::ops {

namespace {

using namespace Halide;
using schedules::ceil_div;
using schedules::ConvShape;

// sum over k of coef[k] * term(k), leaving out the zero coefficients and
// the multiplies by +-1.
Expr combine(const std::vector<double> &coef, const std::function<Expr(int)> &term) {
  Expr sum;
  for (size_t k = 0; k < coef.size(); k++) {
    double c = coef[k];
    if (c == 0) continue;
    Expr t = term(static_cast<int>(k));
    double mag = c < 0 ? -c : c;
    if (mag != 1) t = t * static_cast<float>(mag);
    if (!sum.defined())
      sum = c < 0 ? -t : t;
    else
      sum = c < 0 ? sum - t : sum + t;
  }
  return sum;
}

// Row r of a matrix (rows are indexed by a Var that is unrolled, so the
// mux folds to one branch in each unrolled copy).
Expr by_row(const Var &row, const std::vector<std::vector<double>> &mat,
            const std::function<Expr(int, int)> &term) {
  std::vector<Expr> rows;
  for (size_t r = 0; r < mat.size(); r++)
    rows.push_back(combine(mat[r], [&](int k) { return term(static_cast<int>(r), k); }));
  return mux(row, rows);
}

// A register block over tiles t (vectors of vw, unrolled) x channels k
// (unrolled): every accumulator in a register.
template <typename StageOrFunc>
void register_tiles(StageOrFunc &&s, const VarOrRVar &t, const VarOrRVar &k, int vw) {
  Var tvo("tvo"), lane("lane");
  s.split(t, tvo, lane, vw).unroll(tvo).unroll(k);
  if (vw > 1) s.vectorize(lane);
}

struct WinogradFuncs {
  Var x{"x"}, y{"y"}, k{"k"}, n{"n"}, c{"c"}, t{"t"}, i{"i"}, j{"j"}, a{"a"}, b{"b"};
  Func d{"wino_in"};     // d(t, c, a, b, n): the tile's input window
  Func bd{"wino_btd"};   // BT d
  Func v{"wino_v"};      // BT d B
  Func gw{"wino_gw"};    // G g
  Func u{"wino_u"};      // G g GT
  Func acc{"wino_acc"};  // a register block of the GEMMs
  Func mm{"wino_m"};     // the GEMMs' results
  Func am{"wino_atm"};   // AT M
  Func yt{"wino_y"};     // AT M A + bias
  Func out{"kiln_conv2d"};
  RDom rc;
};

void define_winograd(WinogradFuncs &f, const ConvGeometry &g, int m, const ConvInputs &in,
                     const FusedEpilogue &epilogue, bool pretransformed) {
  const ConvShape &s = g.shape;
  const WinogradMatrices &w = winograd_matrices(m);
  const int ntx = extent(ceil_div(s.out_w, m));
  Var x = f.x, y = f.y, k = f.k, n = f.n, c = f.c, t = f.t, i = f.i, j = f.j, a = f.a, b = f.b;
  // Always extended: tail tiles read past the input's edge.
  Func ext = extend(g, in.x);
  Expr tx = t % ntx, ty = t / ntx;
  f.d(t, c, a, b, n) = ext(tx * m + b - extent(g.pad_left), ty * m + a - extent(g.pad_top), c, n);
  f.bd(t, c, i, b, n) = by_row(i, w.BT, [&](int, int r) { return f.d(t, c, r, b, n); });
  f.v(t, c, i, j, n) = by_row(j, w.BT, [&](int, int r) { return f.bd(t, c, i, r, n); });

  if (pretransformed) {
    // U {alpha, alpha, C, K} row-major is weight(k, c, j, i) in Halide order.
    // The GEMM's last channel block is rounded up to whole register blocks:
    // its extra channels read channel K - 1 (their results are dropped).
    f.u(k, c, i, j) = in.weight(min(k, extent(s.out_channels) - 1), c, j, i);
  } else {
    // weight(kx, ky, c, k) in Halide order: g[a][b] = weight(b, a, c, k).
    f.gw(k, c, i, b) = by_row(i, w.G, [&](int, int r) { return in.weight(b, r, c, k); });
    f.u(k, c, i, j) = by_row(j, w.G, [&](int, int r) { return f.gw(k, c, i, r); });
  }

  f.rc = RDom(0, extent(s.in_channels), "rc");
  f.acc(t, k, i, j, n) = 0.0f;
  f.acc(t, k, i, j, n) += f.v(t, f.rc, i, j, n) * f.u(k, f.rc, i, j);
  f.mm(t, k, i, j, n) = f.acc(t, k, i, j, n);

  f.am(t, k, a, j, n) = by_row(a, w.AT, [&](int, int r) { return f.mm(t, k, r, j, n); });
  f.yt(t, k, a, b, n) =
      in.bias_or_zero(k) + by_row(b, w.AT, [&](int, int r) { return f.am(t, k, a, r, n); });
  Expr tile = x / m + ntx * (y / m);
  f.out(x, y, k, n) = epilogue.apply(f.yt(tile, k, y % m, x % m, n), {x, y, k, n});
}

void schedule_winograd(WinogradFuncs &f, const ConvGeometry &g, int m,
                       const schedules::WinogradSchedule &ks) {
  const ConvShape &s = g.shape;
  const int alpha = m + 2, vw = ks.vector_width;
  const auto shift = TailStrategy::ShiftInwards, round_up = TailStrategy::RoundUp;
  Var yo("yo"), yi("yi"), kgo("kgo"), kgi("kgi"), kbo("kbo"), kbi("kbi"), task("task");
  Var to("to"), ti("ti"), ko("ko"), ki("ki");

  // Output: tasks (n, tile rows, channel group); per channel block the
  // GEMMs, the output transform, then the rows through the epilogue.
  f.out.split(f.y, yo, yi, ks.tile_rows * m, TailStrategy::GuardWithIf)
      .split(f.k, kgo, kgi, ks.k_group, shift)
      .split(kgi, kbo, kbi, ks.k_block, shift)
      .reorder(f.x, yi, kbi, kbo, yo, kgo, f.n);
  int out_vw = schedules::pow2_at_most(s.out_w, vw);
  if (out_vw > 1) f.out.vectorize(f.x, out_vw, shift);
  f.out.fuse(yo, kgo, task).fuse(task, f.n, task);
  if (ks.parallel) f.out.parallel(task);

  // Input transform for the task's tiles, every input channel: one vector
  // of tiles at a time, its alpha x alpha window gathered into registers.
  if (ks.shared_v) {
    f.v.compute_root()
        .split(f.t, to, ti, vw, round_up)
        .reorder(ti, f.i, f.j, to, f.c, f.n)
        .vectorize(ti)
        .unroll(f.i)
        .unroll(f.j);
    if (ks.parallel) f.v.parallel(f.c);
  } else {
    f.v.compute_at(f.out, task)
        .split(f.t, to, ti, vw, round_up)
        .reorder(ti, f.i, f.j, f.c, to, f.n)
        .vectorize(ti)
        .unroll(f.i)
        .unroll(f.j);
  }
  f.bd.compute_at(f.v, ks.shared_v ? to : f.c).vectorize(f.t).unroll(f.i).unroll(f.b);
  f.d.compute_at(f.v, ks.shared_v ? to : f.c).vectorize(f.t).unroll(f.a).unroll(f.b);
  f.v.bound_extent(f.i, alpha).bound_extent(f.j, alpha);

  // Filter transform, output channels innermost (the GEMM broadcasts them).
  // (Within the extent it is made over, so the ShiftInwards tail never
  // reads a weight outside [0, K).)
  int u_vw = schedules::pow2_at_most(ks.filter_per_block ? ks.k_block : s.out_channels, vw);
  if (ks.pretransformed) {
    // U is an input: the GEMMs read it in place.
  } else if (ks.filter_per_block) {
    f.u.compute_at(f.out, kbo).reorder(f.k, f.i, f.j, f.c).unroll(f.i).unroll(f.j);
  } else {
    f.u.compute_root().reorder(f.k, f.i, f.j, f.c).unroll(f.i).unroll(f.j);
    if (ks.parallel) f.u.parallel(f.c);
  }
  if (!ks.pretransformed) {
    if (u_vw > 1) f.u.vectorize(f.k, u_vw, shift);
    f.gw.compute_at(f.u, f.c).reorder(f.k, f.i, f.b, f.c).unroll(f.i).unroll(f.b);
    if (u_vw > 1) f.gw.vectorize(f.k, u_vw, shift);
  }

  // The GEMMs: per point (i, j), register blocks of vw * tv tiles x kb
  // channels accumulated over every input channel, then stored to mm.
  // With U made up front, a task's GEMMs run point by point over all its
  // channel blocks, so the point's slices of V and U stay in cache; with U
  // made per channel block, per channel block.
  f.mm.compute_at(f.out, ks.filter_per_block ? kbo : task)
      .split(f.t, to, ti, vw * ks.tile_vectors, round_up)
      .split(f.k, ko, ki, ks.k_block, round_up)
      .reorder(ti, ki, to, ko, f.i, f.j, f.n);
  register_tiles(f.mm, ti, ki, vw);
  f.acc.compute_at(f.mm, to);
  register_tiles(f.acc, f.t, f.k, vw);
  Stage update = f.acc.update();
  update.reorder(f.t, f.k, f.rc, f.i, f.j, f.n);
  register_tiles(update, f.t, f.k, vw);

  // Output transform and bias, a vector of tiles at a time.
  f.yt.compute_at(f.out, kbo)
      .split(f.t, to, ti, vw, round_up)
      .reorder(ti, f.a, f.b, f.k, to, f.n)
      .vectorize(ti)
      .unroll(f.a)
      .unroll(f.b);
  f.am.compute_at(f.yt, f.k).vectorize(f.t).unroll(f.a).unroll(f.j);
  f.yt.bound_extent(f.a, m).bound_extent(f.b, m);
}

}  // namespace

schedules::WinogradSchedule conv_winograd_schedule(const LowerRequest &req, int m) {
  const ConvShape s = conv_geometry(req).shape;
  const bool pretransformed = ir::ops::weights_pretransformed(req.node.attrs);
  if (req.tuned.family == "winograd")  // a tuned schedule (tune/)
    return schedules::legalize(schedules::winograd_schedule_from(req.tuned), s, m, pretransformed);
  return schedules::default_winograd_schedule(s, m, req.target, pretransformed);
}

LoweredKernel lower_conv2d_winograd(const LowerRequest &req, int m) {
  ConvGeometry g = conv_geometry(req);
  const ConvShape &s = g.shape;
  if (s.kernel_h != 3 || s.kernel_w != 3 || s.stride_h != 1 || s.stride_w != 1 ||
      s.dilation_h != 1 || s.dilation_w != 1 || s.groups != 1)
    throw InternalError("conv2d '" + req.node.name +
                        "': winograd needs a 3x3 kernel, stride 1, dilation 1, groups 1");
  const ir::Shape &xs = req.inputs[0].shape, &ws = req.inputs[1].shape;
  ir::Shape out_view = req.outputs[0].shape;
  ConvInputs in{make_input(xs, "x"), make_input(ws, "weight"), ImageParam(), g.has_bias};
  std::vector<ImageParam> params = {in.x, in.weight};
  std::vector<ir::Shape> views = {xs, ws};
  if (g.has_bias) {
    in.bias = make_input(req.inputs[2].shape, "bias");
    params.push_back(in.bias);
    views.push_back(req.inputs[2].shape);
  }
  FusedEpilogue epilogue(g.epilogue, out_view, &params, &views);
  const bool pretransformed = ir::ops::weights_pretransformed(req.node.attrs);
  schedules::WinogradSchedule k = conv_winograd_schedule(req, m);
  WinogradFuncs f;
  define_winograd(f, g, m, in, epilogue, pretransformed);
  schedule_winograd(f, g, m, k);
  return make_kernel(f.out, params, views, out_view,
                     k.describe(m) + epilogue.describe("on each channel block's rows"));
}

}  // namespace kiln::codegen::ops
