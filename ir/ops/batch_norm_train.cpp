// Batch normalization while training (axis 1 is the channel; M = the
// elements per channel, N * H * W):
//   batch_norm_train(x, gamma, beta) -> y, mean, var: the batch's mean and
//       biased variance per channel, y = gamma (x - mean) / sqrt(var + eps) + beta
//   batch_norm_backward(dy, x, gamma, mean, var) -> dx, dgamma, dbeta, with
//       xhat = (x - mean) / sqrt(var + eps): dbeta = sum dy,
//       dgamma = sum dy xhat, dx = gamma / sqrt(var + eps) (dy - (dbeta + xhat dgamma) / M)
//   running_stat_update(running, batch) -> (1 - momentum) running + momentum scale batch
//       (the running mean and variance; scale M / (M - 1) makes the variance unbiased)
#include "ir/grads/grad_rules.h"
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

namespace {

AttrSpec epsilon_attr() { return {"epsilon", AttrKind::Float, 1e-5, "added to the variance"}; }

void check_channels(const std::vector<TensorType> &in, size_t first, const char *const names[],
                    size_t count, int64_t channels) {
  for (size_t k = 0; k < count; k++) expect_shape(in[first + k], {channels}, names[k]);
}

}  // namespace

OpDef def_batch_norm_train() {
  OpDef d;
  d.name = "batch_norm_train";
  d.internal = true;
  d.doc = "batch normalization with the batch's statistics; also outputs them";
  d.inputs = {{"x"}, {"gamma"}, {"beta"}};
  d.attrs = {epsilon_attr()};
  d.infer = [](const Attrs &, const std::vector<TensorType> &in) {
    if (in[0].rank() < 2) throw UserError("the input needs a channel axis (rank >= 2)");
    const int64_t c = in[0].shape[1];
    const char *names[] = {"gamma", "beta"};
    check_channels(in, 1, names, 2, c);
    TensorType stat{DType::F32, {c}};
    return std::vector<TensorType>{in[0], stat, stat};
  };
  d.cost = [](const Attrs &, const std::vector<TensorType> &in, const std::vector<TensorType> &) {
    return elementwise_cost({in[0]}, 6);
  };
  d.grad = grads::grad_batch_norm_train;
  return d;
}

OpDef def_batch_norm_backward() {
  OpDef d;
  d.name = "batch_norm_backward";
  d.internal = true;
  d.doc = "the gradient of batch_norm_train with respect to x, gamma and beta";
  d.inputs = {{"dy"}, {"x"}, {"gamma"}, {"mean"}, {"var"}};
  d.attrs = {epsilon_attr()};
  d.infer = [](const Attrs &, const std::vector<TensorType> &in) {
    if (in[1].rank() < 2) throw UserError("x needs a channel axis (rank >= 2)");
    expect_shape(in[0], in[1].shape, "dy");
    const int64_t c = in[1].shape[1];
    const char *names[] = {"gamma", "mean", "var"};
    check_channels(in, 2, names, 3, c);
    TensorType stat{DType::F32, {c}};
    return std::vector<TensorType>{in[1], stat, stat};
  };
  d.cost = [](const Attrs &, const std::vector<TensorType> &in, const std::vector<TensorType> &) {
    return elementwise_cost({in[0]}, 8);
  };
  return d;
}

OpDef def_running_stat_update() {
  OpDef d;
  d.name = "running_stat_update";
  d.internal = true;
  d.doc = "(1 - momentum) running + momentum * scale * batch";
  d.inputs = {{"running"}, {"batch"}};
  d.attrs = {{"momentum", AttrKind::Float, 0.1, "weight of the new batch"},
             {"scale", AttrKind::Float, 1.0, "multiplies the batch statistic"}};
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    expect_shape(in[1], in[0].shape, "the batch statistic");
    double m = a.get_float("momentum");
    if (m < 0 || m > 1) throw UserError("momentum must be in [0, 1], got " + std::to_string(m));
    return std::vector<TensorType>{in[0]};
  };
  d.cost = [](const Attrs &, const std::vector<TensorType> &, const std::vector<TensorType> &out) {
    return elementwise_cost(out, 3);
  };
  return d;
}

}  // namespace kiln::ir::ops
