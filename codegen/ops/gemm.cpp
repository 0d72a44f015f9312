#include "codegen/ops/gemm.h"

namespace kiln::codegen::ops {

using namespace Halide;
using schedules::GemmSchedule;
using schedules::GemmShape;

Func gemm(const GemmOperands &op, const GemmShape &shape, const GemmSchedule &k,
          const FusedEpilogue &epilogue, const std::string &name) {
  Var j("j"), i("i"), g("g"), n("n");
  Func panel(name + "_a_panel"), acc(name + "_acc"), out(name);
  Var kk("kk");
  RDom r(0, extent(shape.depth), "rk");
  if (k.pack_a)
    panel(j, kk, g, n) = op.a(j, kk, g, n);
  else
    panel = op.a;
  acc(j, i, g, n) = op.seed.defined() ? op.seed(j, i, g) : Expr(0.0f);
  acc(j, i, g, n) += panel(j, r.x, g, n) * op.b(r.x, i, g);
  out(j, i, g, n) = epilogue.apply(acc(j, i, g, n), {j, i, g, n});

  // out: strips of one register block along j (a task per strip and (g, n)),
  // i blocks inside; the epilogue runs on each block as it leaves registers.
  const int vw = k.vector_width, strip = vw * k.j_vectors;
  const auto shift = TailStrategy::ShiftInwards;
  Var jo("jo"), ji("ji"), jv("jv"), jl("jl"), io("io"), ii("ii"), task("task");
  out.split(j, jo, ji, strip, shift)
      .split(i, io, ii, k.i_block, shift)
      .split(ji, jv, jl, vw)
      .reorder(jl, jv, ii, io, jo, g, n)
      .unroll(jv)
      .unroll(ii);
  if (vw > 1) out.vectorize(jl);
  out.fuse(jo, g, task).fuse(task, n, task);
  if (k.parallel) out.parallel(task);

  // The accumulators stay in registers: every block dimension is unrolled
  // or vectorized, and the k loop runs outside them.
  acc.compute_at(out, io);
  Var av("av"), al("al");
  acc.split(j, av, al, vw).unroll(av).unroll(i);
  Stage update = acc.update();
  update.split(j, av, al, vw).reorder(al, av, i, r.x, g, n).unroll(av).unroll(i);
  if (vw > 1) {
    acc.vectorize(al);
    update.vectorize(al);
  }

  // The panel: the task's strip of A, one contiguous row of `strip` floats
  // per k, made once and read by every i block of the task.
  if (k.pack_a) {
    panel.compute_at(out, task);
    Var pv("pv"), pl("pl"), ko("ko"), ki("ki");
    panel.split(j, pv, pl, vw);
    if (op.a_along_k && vw > 1) {
      // vw x vw tiles: each k row of a tile is one strided vector of A,
      // the tile's k loop unrolled so the rows' loads share cache lines.
      panel.split(kk, ko, ki, vw, TailStrategy::GuardWithIf).reorder(pl, ki, pv, ko, g, n);
      panel.unroll(ki);
    } else {
      panel.reorder(pl, pv, kk, g, n);
    }
    panel.unroll(pv);
    if (vw > 1) panel.vectorize(pl);
  }
  return out;
}

LoweredKernel lower_matmul_wt_gemm(const schedules::DenseShape &shape, bool has_bias,
                                   const ir::ops::Epilogue &epilogue_spec, const GemmSchedule &want,
                                   const std::string &note) {
  GemmShape gs{shape.units, shape.batch, shape.in_features, 1};
  GemmSchedule k = schedules::legalize(want, gs);
  ir::Shape xv = {shape.batch, shape.in_features}, wv = {shape.units, shape.in_features};
  ImageParam x = make_input(xv, "x"), w = make_input(wv, "weight");
  std::vector<ImageParam> params = {x, w};
  std::vector<ir::Shape> views = {xv, wv};
  Var j("j"), i("i"), g("g"), n("n"), kk("k");
  GemmOperands op;
  if (has_bias) {
    ImageParam bias = make_input({shape.units}, "bias");
    params.push_back(bias);
    views.push_back({shape.units});
    op.seed(j, i, g) = bias(j);
  }
  // The output as gemm makes it: (unit, row, 1, 1).
  ir::Shape yv = {1, 1, shape.batch, shape.units};
  FusedEpilogue epilogue(epilogue_spec, yv, &params, &views);
  op.a(j, kk, g, n) = w(kk, j);
  op.b(kk, i, g) = x(kk, i);
  op.a_along_k = true;
  Func out = gemm(op, gs, k, epilogue, "kiln_dense_gemm");
  return make_kernel(out, params, views, yv,
                     "dense as " + k.describe() + ", W transposed into the panel" + note +
                         epilogue.describe("on each register block after its reduction"));
}

bool dense_prefers_gemm(const schedules::DenseShape &shape) {
  // Measured (conv_im2col_test DenseGemm.DISABLED_Bench, AVX2, 2 cores):
  // the lane-reduce kernel wins at batch 1 (GEMV, 10x) and batch 8 (1.4-1.6x:
  // each task transposes its W strip for only a few batch rows); the GEMM
  // won at batch 64 (1.37x on 64x512->512).
  return shape.batch >= 32 && shape.units >= 16;
}

}  // namespace kiln::codegen::ops
