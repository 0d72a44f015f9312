// Halide lowering of the optimizer updates (elementwise maps with one
// output per updated tensor, the learning rate and step read as scalars)
// and of the learning-rate schedule (one value).
#include <cmath>

#include "codegen/ops/train_lower_util.h"

namespace kiln::codegen::ops {

namespace {

using namespace Halide;

float attr(const LowerRequest &req, const char *name) {
  return static_cast<float>(req.node.attrs.get_float(name));
}

// The gradient with weight decay: g + wd * p.
Expr decayed(const LowerRequest &req, const ElementwiseKernel &k) {
  const float wd = attr(req, "weight_decay");
  return wd == 0.0f ? k.at(1) : k.at(1) + wd * k.at(0);
}

}  // namespace

// Inputs: param, grad (elementwise), lr (scalar).
LoweredKernel lower_sgd_update(const LowerRequest &req) {
  return lower_elementwise_multi(
      req, "sgd_update", {false, false, true}, [&](const ElementwiseKernel &k) {
        return std::vector<Expr>{k.at(0) - k.scalar(2) * decayed(req, k)};
      });
}

// Inputs: param, grad, lr (a scalar), velocity.
LoweredKernel lower_momentum_update(const LowerRequest &req) {
  const float mu = attr(req, "momentum");
  const bool nesterov = req.node.attrs.get_int("nesterov") != 0;
  return lower_elementwise_multi(
      req, "momentum_update", {false, false, true, false}, [&](const ElementwiseKernel &k) {
        Expr g = decayed(req, k), v = mu * k.at(3) + g, lr = k.scalar(2);
        return std::vector<Expr>{k.at(0) - lr * (nesterov ? g + mu * v : v), v};
      });
}

LoweredKernel lower_adagrad_update(const LowerRequest &req) {
  const float eps = attr(req, "epsilon");
  return lower_elementwise_multi(
      req, "adagrad_update", {false, false, true, false}, [&](const ElementwiseKernel &k) {
        Expr g = decayed(req, k), s = k.at(3) + g * g;
        return std::vector<Expr>{k.at(0) - k.scalar(2) * g / (sqrt(s) + eps), s};
      });
}

LoweredKernel lower_rmsprop_update(const LowerRequest &req) {
  const float rho = attr(req, "rho"), eps = attr(req, "epsilon");
  return lower_elementwise_multi(
      req, "rmsprop_update", {false, false, true, false}, [&](const ElementwiseKernel &k) {
        Expr g = decayed(req, k), s = rho * k.at(3) + (1.0f - rho) * g * g;
        return std::vector<Expr>{k.at(0) - k.scalar(2) * g / (sqrt(s) + eps), s};
      });
}

LoweredKernel lower_adam_update(const LowerRequest &req) {
  const float b1 = attr(req, "beta1"), b2 = attr(req, "beta2"), eps = attr(req, "epsilon");
  return lower_elementwise_multi(
      req, "adam_update", {false, false, true, false, false, true},
      [&](const ElementwiseKernel &k) {
        Expr g = decayed(req, k), t = k.scalar(5) + 1.0f;
        Expr m = b1 * k.at(3) + (1.0f - b1) * g, v = b2 * k.at(4) + (1.0f - b2) * g * g;
        Expr c1 = 1.0f - pow(b1, t), c2 = 1.0f - pow(b2, t);
        return std::vector<Expr>{k.at(0) - k.scalar(2) * (m / c1) / (sqrt(v / c2) + eps), m, v};
      });
}

LoweredKernel lower_learning_rate(const LowerRequest &req) {
  const ir::Attrs &a = req.node.attrs;
  const ir::Shape one = {1};
  ImageParam step = make_input(one, "step");
  const float lr = attr(req, "lr");
  const std::string &schedule = a.get_string("schedule");
  Expr s = step(0), v = lr;
  if (schedule == "step") {
    v = lr * pow(attr(req, "gamma"), floor(s / static_cast<float>(a.get_int("step_size"))));
  } else if (schedule == "cosine") {
    const float total = static_cast<float>(a.get_int("total_steps")), min_lr = attr(req, "min_lr");
    v = min_lr +
        (lr - min_lr) * 0.5f * (1.0f + cos(static_cast<float>(M_PI) * min(s, total) / total));
  }
  Var u("u");
  Func out("kiln_learning_rate");
  out(u) = v;
  return make_kernel(out, {step}, {one}, one, "one value");
}

}  // namespace kiln::codegen::ops
