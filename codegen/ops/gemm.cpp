#include "codegen/ops/gemm.h"

#include "codegen/schedules/cpu_info.h"

namespace kiln::codegen::ops {

using namespace Halide;
using schedules::GemmSchedule;
using schedules::GemmShape;

namespace {

// The lanes_along_i orientation (GemmSchedule): lanes along i, A broadcast
// (always packed in blocks of j, pack_a notwithstanding). Each task (a
// strip of i of one (g, n)) packs its strip of B transposed, then runs the
// k reduction in chunks of k_chunk, every j block inside a chunk, so the
// chunk's B panel and A rows stay in L1; the task's strip of accumulators
// (strip x rows floats) waits in memory between chunks.
Func gemm_lanes_along_i(const GemmOperands &op, const GemmShape &shape, const GemmSchedule &k,
                        const FusedEpilogue &epilogue, const std::string &name) {
  Var j("j"), i("i"), g("g"), n("n"), kk("kk");
  Func a_whole(name + "_a_whole"), b_panel(name + "_b_panel"), acc(name + "_acc"), out(name);
  RDom r(0, extent(shape.depth), "rk");
  // A packed once, block by block: a_whole(jl, k, jo) = A(jo * j_block + jl,
  // k), so a block's broadcasts at one k are adjacent and its k rows follow
  // each other. j blocks round up past the last row: A's rows are clamped
  // there (the extra accumulators are never stored).
  const int jb = k.j_block;
  Var jl_("jl_"), jo_("jo_");
  Expr last = extent(shape.rows) - 1;
  a_whole(jl_, kk, jo_, g, n) = op.a(min(jo_ * jb + jl_, last), kk, g, n);
  b_panel(i, kk, g) = op.b(kk, i, g);
  acc(j, i, g, n) = op.seed.defined() ? op.seed(min(j, last), i, g) : Expr(0.0f);
  acc(j, i, g, n) += a_whole(j % jb, r.x, j / jb, g, n) * b_panel(i, r.x, g);
  out(j, i, g, n) = epilogue.apply(acc(j, i, g, n), {j, i, g, n});

  // out: a task per strip of i and (g, n). Its stores run across j's
  // stride (one lane at a time), few next to the reduction.
  const int vw = k.vector_width, strip = vw * k.i_vectors;
  const auto shift = TailStrategy::ShiftInwards;
  Var io("io"), ii("ii"), iv("iv"), il("il"), task("task");
  out.split(i, io, ii, strip, shift).split(ii, iv, il, vw).reorder(il, iv, j, io, g, n).unroll(iv);
  if (vw > 1) out.vectorize(il);
  out.fuse(io, g, task).fuse(task, n, task);
  if (k.parallel) out.parallel(task);

  // The task's accumulators, stored along i (each register one dense
  // vector); per k chunk and j block the block's accumulators stay in
  // registers through the chunk.
  acc.compute_at(out, task).reorder_storage(i, j, g, n);
  Var av("av"), al("al"), jo("jo"), jl("jl");
  acc.split(i, av, al, vw).reorder(al, av, j).unroll(av);
  Stage update = acc.update();
  RVar rko("rko"), rki("rki");
  update.split(i, av, al, vw)
      .split(j, jo, jl, k.j_block, TailStrategy::RoundUp)
      .split(r.x, rko, rki, k.k_chunk, TailStrategy::GuardWithIf)
      .reorder(al, av, jl, rki, jo, rko, g, n)
      .unroll(av)
      .unroll(jl);
  if (vw > 1) {
    acc.vectorize(al);
    update.vectorize(al);
  }

  // B's strip transposed (B runs along k): vw x vw tiles, each k row of a
  // tile one strided vector, the rows' loads sharing cache lines. (Both
  // vectorized, Halide still makes vw strided loads.)
  b_panel.compute_at(out, task);
  Var pv("pv"), pl("pl"), ko("ko"), ki("ki");
  b_panel.split(i, pv, pl, vw).unroll(pv);
  if (vw > 1) {
    b_panel.split(kk, ko, ki, vw, TailStrategy::GuardWithIf).reorder(pl, ki, pv, ko, g).unroll(ki);
    b_panel.vectorize(pl);
  }

  // A packed once (for a conv, the im2col matrix in blocks), before the
  // tasks; small for the short j this orientation is for.
  a_whole.compute_root().bound(jl_, 0, jb).unroll(jl_).reorder(jl_, kk, jo_, g, n);
  if (k.parallel) a_whole.parallel(jo_);
  return out;
}

}  // namespace

Func gemm(const GemmOperands &op, const GemmShape &shape, const GemmSchedule &k,
          const FusedEpilogue &epilogue, const std::string &name) {
  if (k.lanes_along_i) return gemm_lanes_along_i(op, shape, k, epilogue, name);
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

  // out: strips of one register block along j (a task per strips_per_task
  // strips and (g, n)), i blocks inside; the epilogue runs on each block as
  // it leaves registers.
  const int vw = k.vector_width, strip = vw * k.j_vectors;
  const auto shift = TailStrategy::ShiftInwards;
  Var jo("jo"), ji("ji"), jv("jv"), jl("jl"), io("io"), ii("ii"), task("task");
  Var jt("jt"), js("js");
  const bool tiled = k.strips_per_task > 1;
  if (tiled) {
    out.split(j, jo, jt, strip * k.strips_per_task, shift)
        .split(jt, js, ji, strip)
        .split(i, io, ii, k.i_block, shift)
        .split(ji, jv, jl, vw);
    // Each i block walks all the task's strips: its stores run along whole
    // cache lines of the output rows.
    out.reorder(jl, jv, ii, js, io, jo, g, n);
  } else {
    out.split(j, jo, ji, strip, shift)
        .split(i, io, ii, k.i_block, shift)
        .split(ji, jv, jl, vw)
        .reorder(jl, jv, ii, io, jo, g, n);
  }
  out.unroll(jv).unroll(ii);
  if (vw > 1) out.vectorize(jl);
  out.fuse(jo, g, task).fuse(task, n, task);
  if (k.parallel) out.parallel(task);

  // The accumulators stay in registers: every block dimension is unrolled
  // or vectorized, and the k loop runs outside them.
  acc.compute_at(out, tiled ? js : io);
  Var av("av"), al("al");
  acc.split(j, av, al, vw).unroll(av).unroll(i);
  Stage update = acc.update();
  update.split(j, av, al, vw).reorder(al, av, i, r.x, g, n).unroll(av).unroll(i);
  if (vw > 1) {
    acc.vectorize(al);
    update.vectorize(al);
  }

  // The panel: the task's strips of A, one contiguous row of the task's
  // width per k, made once and read by every i block of the task.
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
