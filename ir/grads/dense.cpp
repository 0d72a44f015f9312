// Gradient rule of dense (y = x W^T + b), as ordinary dense nodes so the
// GEMM kernel serves the backward too: dx = dy W = dense(dy, W^T);
// dW = dy^T x = dense(dy^T, x^T); db = channel_sum(dy).
#include "ir/grads/grad_rules.h"

namespace kiln::ir::grads {

namespace {

Attrs matmul(int64_t units) {
  Attrs a;
  a.set("units", units);
  a.set("use_bias", int64_t{0});
  return a;
}

}  // namespace

void grad_dense(GradContext &c) {
  expect_unfused(c);
  const int dy = c.dy(), x = c.input(0), w = c.input(1);
  if (c.needs(0)) {
    int wt = c.emit("transpose", "weight_t", {w});
    c.set_dx(0, c.emit("dense", "grad_x", {dy, wt}, matmul(c.shape(x)[1])));
  }
  if (c.needs(1)) {
    int dyt = c.emit("transpose", "dy_t", {dy}), xt = c.emit("transpose", "x_t", {x});
    c.set_dx(1, c.emit("dense", "grad_weight", {dyt, xt}, matmul(c.shape(x)[1])));
  }
  if (c.attrs().get_int("use_bias") && c.needs(2))
    c.set_dx(2, c.emit("channel_sum", "grad_bias", {dy}));
}

}  // namespace kiln::ir::grads
