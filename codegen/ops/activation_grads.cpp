// Halide lowering of the activations' backward ops: elementwise maps over
// (dy, y), and softmax_backward as a dot product along the axis per row.
#include "codegen/ops/train_lower_util.h"
#include "ir/ops/op_helpers.h"

namespace kiln::codegen::ops {

namespace {

using namespace Halide;

LoweredKernel from_output(const LowerRequest &req, const std::string &name,
                          const std::function<Expr(Expr, Expr)> &f) {
  return lower_elementwise_multi(req, name, {false, false}, [&](const ElementwiseKernel &k) {
    return std::vector<Expr>{f(k.at(0), k.at(1))};
  });
}

}  // namespace

LoweredKernel lower_relu_backward(const LowerRequest &req) {
  return from_output(req, "relu_backward",
                     [](Expr dy, Expr y) { return select(y > 0.0f, dy, 0.0f); });
}
LoweredKernel lower_sigmoid_backward(const LowerRequest &req) {
  return from_output(req, "sigmoid_backward", [](Expr dy, Expr y) { return dy * y * (1.0f - y); });
}
LoweredKernel lower_tanh_backward(const LowerRequest &req) {
  return from_output(req, "tanh_backward", [](Expr dy, Expr y) { return dy * (1.0f - y * y); });
}

// Over the view [outer, axis, inner]: dot(i, o) = sum_a dy * y, then
// y * (dy - dot); rows (outer) in parallel, vectors along inner, or along
// the axis when inner == 1.
LoweredKernel lower_softmax_backward(const LowerRequest &req) {
  const ir::Shape &s = req.inputs[0].shape;
  const int rank = static_cast<int>(s.size());
  const int axis = ir::ops::resolve_axis(req.node.attrs.get_int("axis"), rank, "softmax_backward");
  const int64_t outer = span(s, 0, axis), len = s[axis], inner = span(s, axis + 1, rank);
  ir::Shape view = {outer, len, inner};
  ImageParam dy = make_input(view, "dy"), y = make_input(view, "y");
  Var i("i"), a("a"), o("o");
  RDom r(0, extent(len), "r");
  Func dot("dot"), out("kiln_softmax_backward");
  dot(i, o) = 0.0f;
  dot(i, o) += dy(i, r, o) * y(i, r, o);
  out(i, a, o) = y(i, a, o) * (dy(i, a, o) - dot(i, o));

  const int vw = natural_vector_width(req.target);
  if (outer * len * inner >= schedules::kParallelThreshold) out.parallel(o);
  dot.compute_at(out, o);
  if (inner >= vw) {
    out.vectorize(i, vw, TailStrategy::GuardWithIf);
    dot.vectorize(i, vw, TailStrategy::GuardWithIf);
    dot.update().vectorize(i, vw, TailStrategy::GuardWithIf);
  } else if (inner == 1 && len >= vw) {
    out.vectorize(a, vw, TailStrategy::GuardWithIf);
  }
  return make_kernel(out, {dy, y}, {view, view}, view, "rows in parallel, dot per row");
}

}  // namespace kiln::codegen::ops
