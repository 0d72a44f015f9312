// Halide lowering of max_pool2d_argmax (ir/ops/pool_argmax.cpp): a tuple
// reduction (best value, its flat index) over the window's taps in row-major
// order, replacing only on a strictly greater value (the first maximum
// wins); taps outside the input read -inf and never win. Tasks (c, n) in
// parallel; correctness first (ONNX's Indices output on small models).
#include <limits>

#include "codegen/ops/lower_util.h"
#include "ir/ops/window.h"

namespace kiln::codegen::ops {

LoweredKernel lower_max_pool2d_argmax(const LowerRequest &req) {
  using namespace Halide;
  const ir::Attrs &a = req.node.attrs;
  const ir::Shape &xs = req.inputs[0].shape;
  const ir::Window2d w = ir::resolve_window(a, xs[2], xs[3], true, a.get_int("ceil_mode") != 0);
  const bool column_major = a.get_int("column_major") != 0;
  ImageParam in = make_input(xs, "x");
  const Expr neg_inf(-std::numeric_limits<float>::infinity());
  const int H = extent(xs[2]), W = extent(xs[3]), C = extent(xs[1]);
  Func src = BoundaryConditions::constant_exterior(in, neg_inf, {{0, W}, {0, H}});
  Var x("x"), y("y"), c("c"), n("n"), task("task");
  RDom r(0, extent(w.kernel_w), 0, extent(w.kernel_h), "r");
  Expr h = y * extent(w.stride_h) - extent(w.pad_top) + r.y * extent(w.dilation_h);
  Expr col = x * extent(w.stride_w) - extent(w.pad_left) + r.x * extent(w.dilation_w);
  Expr v = src(col, h, c, n);
  Expr flat = (n * C + c) * (H * W) + (column_major ? col * H + h : h * W + col);
  Func best("best");
  best(x, y, c, n) = Tuple(neg_inf, -1);
  Expr better = v > best(x, y, c, n)[0];
  best(x, y, c, n) =
      Tuple(select(better, v, best(x, y, c, n)[0]), select(better, flat, best(x, y, c, n)[1]));
  Func out("kiln_max_pool2d_argmax");
  out(x, y, c, n) = cast<float>(best(x, y, c, n)[1]);
  out.fuse(c, n, task).parallel(task);
  best.compute_at(out, x);
  return make_kernel(out, {in}, {xs}, req.outputs[0].shape,
                     "tuple reduction per output, (channel, batch) tasks in parallel");
}

}  // namespace kiln::codegen::ops
