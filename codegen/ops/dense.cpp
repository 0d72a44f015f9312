// Halide lowering of dense (y = x W^T + b): dot products of rows that are
// both contiguous along K, vectorized along K with per-lane partial sums and
// one horizontal sum per output (knobs in codegen/schedules/dense_schedule.h),
// then the fused epilogue on each output. conv2d reuses it when its kernel
// covers the whole input.
#include "codegen/ops/gemm.h"
#include "codegen/ops/lower_util.h"
#include "codegen/schedules/dense_schedule.h"

namespace kiln::codegen::ops {

namespace {

using namespace Halide;
using schedules::DenseSchedule;
using schedules::DenseShape;

struct DenseFuncs {
  Var k{"k"}, u{"u"}, n{"n"};
  Func product{"product"};  // product(k, u, n) = x(k, n) * w(k, u), inlined
  LaneReduce dot;           // bias(u) + sum over k of product(k, u, n)
  Func out{"kiln_dense"};   // the epilogue of each dot product
};

void define_dense(DenseFuncs &f, const DenseShape &s, int lanes, ImageParam x, ImageParam w,
                  ImageParam *bias, const FusedEpilogue &epilogue) {
  f.product(f.k, f.u, f.n) = x(f.k, f.n) * w(f.k, f.u);
  Expr seed = bias ? (*bias)(f.u) : Expr(0.0f);
  f.dot = define_lane_reduce("dot", f.product, {f.u, f.n}, s.in_features, lanes, 0.0f, seed,
                             [](Expr a, Expr b) { return a + b; });
  f.out(f.u, f.n) = epilogue.apply(f.dot.total(f.u, f.n), {f.u, f.n});
}

// Blocks of unit_block x batch_block outputs, each block's dot products
// interleaved (one vector accumulator each), blocks in parallel.
void schedule_dense(DenseFuncs &f, const DenseSchedule &k) {
  Var uo("uo"), ui("ui"), no("no"), ni("ni"), task("task");
  const auto shift = TailStrategy::ShiftInwards;
  f.out.split(f.u, uo, ui, k.unit_block, shift)
      .split(f.n, no, ni, k.batch_block, shift)
      .reorder(ui, ni, uo, no)
      .unroll(ui)
      .unroll(ni);
  if (k.parallel) f.out.fuse(uo, no, task).parallel(task);
  schedule_lane_reduce(f.dot, LoopLevel(f.out, k.parallel ? task : uo), {f.u, f.n}, k.lanes);
}

}  // namespace

LoweredKernel lower_matmul_wt(const DenseShape &shape, bool has_bias,
                              const ir::ops::Epilogue &epilogue_spec, const DenseSchedule &want,
                              const std::string &note) {
  DenseSchedule k = schedules::legalize(want, shape);
  ir::Shape xv = {shape.batch, shape.in_features}, wv = {shape.units, shape.in_features};
  ImageParam x = make_input(xv, "x"), w = make_input(wv, "weight");
  std::vector<ImageParam> params = {x, w};
  std::vector<ir::Shape> views = {xv, wv};
  ImageParam bias;
  if (has_bias) {
    bias = make_input({shape.units}, "bias");
    params.push_back(bias);
    views.push_back({shape.units});
  }
  ir::Shape yv = {shape.batch, shape.units};
  FusedEpilogue epilogue(epilogue_spec, yv, &params, &views);
  DenseFuncs f;
  define_dense(f, shape, k.lanes, x, w, has_bias ? &bias : nullptr, epilogue);
  schedule_dense(f, k);
  return make_kernel(f.out, params, views, yv,
                     k.describe() + note + epilogue.describe("on each output after its sum"));
}

// dense with no scheduling directive, for an autoscheduler (lower_node
// applies it): y(u, n) = epilogue(bias(u) + sum over k of x(k, n) w(k, u)).
static LoweredKernel lower_dense_unscheduled(const LowerRequest &req) {
  const ir::Shape &xs = req.inputs[0].shape;
  DenseShape shape{xs[0], xs[1], req.node.attrs.get_int("units")};
  bool has_bias = req.node.attrs.get_int("use_bias") != 0;
  ir::Shape xv = {shape.batch, shape.in_features}, wv = {shape.units, shape.in_features};
  ImageParam x = make_input(xv, "x"), w = make_input(wv, "weight");
  std::vector<ImageParam> params = {x, w};
  std::vector<ir::Shape> views = {xv, wv};
  ImageParam bias;
  if (has_bias) {
    bias = make_input({shape.units}, "bias");
    params.push_back(bias);
    views.push_back({shape.units});
  }
  ir::Shape yv = {shape.batch, shape.units};
  FusedEpilogue epilogue(ir::ops::epilogue_of(req.node.attrs), yv, &params, &views);
  Var u("u"), n("n");
  Func dot("dot"), out("kiln_dense");
  RDom k(0, extent(shape.in_features), "k");
  dot(u, n) = has_bias ? bias(u) : Expr(0.0f);
  dot(u, n) += x(k, n) * w(k, u);
  out(u, n) = epilogue.apply(dot(u, n), {u, n});
  LoweredKernel lowered = make_kernel(out, params, views, yv,
                                      "dense dot products" + epilogue.describe("on each output"));
  lowered.unscheduled = true;
  return lowered;
}

LoweredKernel lower_dense_with(const LowerRequest &req, const DenseSchedule &schedule) {
  const ir::Shape &x = req.inputs[0].shape;
  DenseShape shape{x[0], x[1], req.node.attrs.get_int("units")};
  return lower_matmul_wt(shape, req.node.attrs.get_int("use_bias") != 0,
                         ir::ops::epilogue_of(req.node.attrs), schedule);
}

LoweredKernel lower_dense(const LowerRequest &req) {
  if (req.tuned.family == "dense" && !req.tuned.autoscheduler.empty())
    return lower_dense_unscheduled(req);  // lower_node schedules it
  if (req.tuned.family == "dense")        // a tuned schedule (tune/)
    return lower_dense_with(req, schedules::dense_schedule_from(req.tuned));
  const ir::Shape &x = req.inputs[0].shape;
  DenseShape shape{x[0], x[1], req.node.attrs.get_int("units")};
  if (dense_prefers_gemm(shape)) {  // several batch rows: the tiled GEMM (codegen/ops/gemm.h)
    schedules::GemmShape g{shape.units, shape.batch, shape.in_features, 1};
    return lower_matmul_wt_gemm(shape, req.node.attrs.get_int("use_bias") != 0,
                                ir::ops::epilogue_of(req.node.attrs),
                                schedules::default_gemm_schedule(g, req.target, false));
  }
  return lower_dense_with(req, schedules::default_dense_schedule(shape, req.target));
}

}  // namespace kiln::codegen::ops
