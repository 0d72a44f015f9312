// Halide lowering of activation_backward (ir/ops/activation_backward.cpp):
// dy * f'(x), one elementwise loop; f' per activation, as the reference
// writes it (reference/ops/activation_backward.cpp), with the forward's
// stable pieces (codegen/ops/activation_exprs.h).
#include "codegen/ops/activation_exprs.h"
#include "codegen/ops/train_lower_util.h"
#include "ir/op.h"

namespace kiln::codegen::ops {

namespace {

using namespace Halide;

Expr inside(const Expr &v, float lo, float hi) { return select(v > lo && v < hi, 1.0f, 0.0f); }

// f'(x) of activation `name`; `a` holds its attributes with defaults.
Expr derivative(const std::string &name, const Expr &x, const ir::Attrs &a) {
  auto f = [&a](const char *attr) { return static_cast<float>(a.get_float(attr)); };
  if (name == "relu") return select(x > 0.0f, 1.0f, 0.0f);
  if (name == "sigmoid") {
    Expr s = sigmoid_expr(x);
    return s * (1.0f - s);
  }
  if (name == "tanh") {
    Expr t = tanh_expr(x);
    return 1.0f - t * t;
  }
  if (name == "elu") return select(x > 0.0f, 1.0f, f("alpha") * exp(x));
  if (name == "selu") return f("gamma") * select(x > 0.0f, 1.0f, f("alpha") * exp(x));
  if (name == "swish") {
    Expr s = sigmoid_expr(x);
    return s + x * s * (1.0f - s);
  }
  if (name == "mish") {
    Expr t = tanh_expr(softplus_expr(x));
    return t + x * (1.0f - t * t) * sigmoid_expr(x);
  }
  if (name == "softplus") {
    Expr z = f("beta") * x;
    return select(z > f("threshold"), 1.0f, sigmoid_expr(z));
  }
  if (name == "leaky_relu") return select(x >= 0.0f, 1.0f, f("alpha"));
  if (name == "relu6") return inside(x, 0.0f, 6.0f);
  if (name == "hard_sigmoid") return f("alpha") * inside(f("alpha") * x + f("beta"), 0.0f, 1.0f);
  if (name == "hard_swish")
    return select(x < -3.0f, 0.0f, select(x > 3.0f, 1.0f, x * (1.0f / 3) + 0.5f));
  if (name == "softsign") {
    Expr d = 1.0f + abs(x);
    return 1.0f / (d * d);
  }
  if (name == "clip") {
    if (a.has("min") && a.has("max") && a.get_float("min") > a.get_float("max")) return Expr(0.0f);
    Expr keep = Internal::const_true();
    if (a.has("min")) keep = keep && x >= f("min");
    if (a.has("max")) keep = keep && x <= f("max");
    return select(keep, 1.0f, 0.0f);
  }
  throw InternalError("activation_backward: no derivative for activation '" + name + "'");
}

}  // namespace

LoweredKernel lower_activation_backward(const LowerRequest &req) {
  const std::string act = req.node.attrs.get_string("activation");
  ir::Attrs given;
  for (const auto &[name, value] : req.node.attrs.all())
    if (name != "activation") given.set(name, value);
  const ir::Attrs a = ir::normalize_attrs(ir::get_op(act), given, "activation " + act);
  return lower_elementwise_multi(req, act + "_backward", {false, false},
                                 [&](const ElementwiseKernel &k) {
                                   return std::vector<Expr>{k.at(0) * derivative(act, k.at(1), a)};
                                 });
}

}  // namespace kiln::codegen::ops
