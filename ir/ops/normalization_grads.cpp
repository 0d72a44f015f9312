// Backward ops of log_softmax and lrn:
//   log_softmax_backward(dy, y)  dx = dy - exp(y) * sum(dy) along `axis`
//                                (from the output, so x need not be kept)
//   lrn_backward(dy, x)          with D_c = bias + alpha / size * S_c (ir/ops/lrn.h):
//       dx_k = dy_k D_k^-beta
//              - 2 alpha beta / size * x_k * sum over the c whose window holds k
//                of dy_c x_c D_c^(-beta - 1)
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef def_log_softmax_backward() {
  OpDef d;
  d.name = "log_softmax_backward";
  d.internal = true;
  d.doc = "dy - exp(y) * sum(dy) along `axis`";
  d.inputs = {{"dy"}, {"y"}};
  d.attrs = {{"axis", AttrKind::Int, int64_t{-1}, "the log_softmax's axis"}};
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    expect_shape(in[1], in[0].shape, "y");
    resolve_axis(a.get_int("axis"), in[0].rank(), "log_softmax_backward");
    return std::vector<TensorType>{in[0]};
  };
  d.cost = [](const Attrs &, const std::vector<TensorType> &, const std::vector<TensorType> &out) {
    return elementwise_cost(out, 4);
  };
  return d;
}

OpDef def_lrn();  // ir/ops/lrn.cpp

// lrn's attributes and checks (its table entry is not built yet here).
OpDef def_lrn_backward() {
  OpDef d = def_lrn();
  d.name = "lrn_backward";
  d.internal = true;
  d.doc = "the gradient of lrn with respect to x";
  d.inputs = {{"dy"}, {"x"}};
  auto forward = d.infer;
  d.infer = [forward](const Attrs &a, const std::vector<TensorType> &in) {
    expect_shape(in[1], in[0].shape, "x");
    return forward(a, {in[1]});
  };
  d.cost = [](const Attrs &a, const std::vector<TensorType> &, const std::vector<TensorType> &out) {
    return elementwise_cost(out, 4 * a.get_int("size") + 8);
  };
  d.grad = nullptr;
  return d;
}

}  // namespace kiln::ir::ops
