#include "ir/ops/scalar_activations.h"

#include <cmath>

#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

namespace {

AttrSpec number(const std::string &name, double default_value, const std::string &doc) {
  return {name, AttrKind::Float, default_value, doc};
}

// A bound that may be left out: absent means unbounded.
AttrSpec bound(const std::string &name, const std::string &doc) {
  return {name, AttrKind::Float, std::nullopt, doc, {}, /*optional=*/true};
}

// SELU's constants (Klambauer et al. 2017), as PyTorch and ONNX define them.
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluGamma = 1.0507009873554804934193349852946;

void check_softplus(const Attrs &a) {
  if (a.get_float("beta") == 0) throw UserError("softplus beta must not be 0");
}

std::vector<ScalarActivation> make_table() {
  return {
      {"relu", "max(x, 0)", {}, 1},
      {"sigmoid", "1 / (1 + exp(-x))", {}, 4},
      {"tanh", "hyperbolic tangent", {}, 4},
      {"elu",
       "x if x > 0, else alpha * (exp(x) - 1)",
       {number("alpha", 1.0, "the value approached as x goes to -infinity is -alpha")},
       4},
      {"selu",
       "gamma * (x if x > 0, else alpha * (exp(x) - 1)), with the self-normalizing constants",
       {number("alpha", kSeluAlpha, "the negative saturation (default 1.6732632423543772)"),
        number("gamma", kSeluGamma, "the scale (default 1.0507009873554805)")},
       5},
      {"swish", "x * sigmoid(x) (also called silu)", {}, 5},
      {"mish", "x * tanh(softplus(x))", {}, 7},
      {"softplus",
       "log(1 + exp(beta * x)) / beta, and x where beta * x > threshold (as PyTorch)",
       {number("beta", 1.0, "the sharpness; not 0"),
        number("threshold", 20.0, "above this beta * x the result is x")},
       5,
       check_softplus},
      {"leaky_relu",
       "x if x >= 0, else alpha * x",
       {number("alpha", 0.01, "the slope for negative x")},
       2},
      {"relu6", "min(max(x, 0), 6)", {}, 2},
      {"hard_sigmoid",
       "max(0, min(1, alpha * x + beta)) (ONNX's defaults; PyTorch's hardsigmoid is alpha 1/6)",
       {number("alpha", 0.2, "the slope"), number("beta", 0.5, "the offset")},
       4},
      {"hard_swish", "x * max(0, min(1, x / 6 + 1 / 2))", {}, 5},
      {"softsign", "x / (1 + |x|)", {}, 3},
      {"clip",
       "min(max(x, min), max); a bound left out is no bound (min > max gives max, as numpy "
       "and ONNX)",
       {bound("min", "the lower bound (absent: none)"),
        bound("max", "the upper bound (absent: none)")},
       2},
  };
}

}  // namespace

const std::vector<ScalarActivation> &scalar_activations() {
  static const std::vector<ScalarActivation> table = make_table();
  return table;
}

const ScalarActivation *find_scalar_activation(const std::string &name) {
  for (const ScalarActivation &a : scalar_activations())
    if (a.name == name) return &a;
  return nullptr;
}

std::vector<std::string> scalar_activation_names() {
  std::vector<std::string> names;
  for (const ScalarActivation &a : scalar_activations()) names.push_back(a.name);
  return names;
}

std::vector<AttrSpec> scalar_activation_attr_union() {
  std::vector<AttrSpec> all;
  for (const ScalarActivation &act : scalar_activations())
    for (const AttrSpec &s : act.attrs) {
      bool seen = false;
      for (const AttrSpec &t : all) seen = seen || t.name == s.name;
      if (!seen) all.push_back(s);
    }
  return all;
}

OpDef scalar_activation_op(const std::string &name) {
  const ScalarActivation *act = find_scalar_activation(name);
  if (!act) throw InternalError("no scalar activation '" + name + "'");
  OpDef d;
  d.name = name;
  d.doc = act->doc;
  d.inputs = {{"x"}};
  d.attrs = act->attrs;
  auto check = act->check;
  d.infer = [check](const Attrs &a, const std::vector<TensorType> &in) {
    if (check) check(a);
    return std::vector<TensorType>{in[0]};
  };
  const int64_t flops = act->flops;
  d.cost = [flops](const Attrs &, const std::vector<TensorType> &,
                   const std::vector<TensorType> &out) { return elementwise_cost(out, flops); };
  return d;
}

}  // namespace kiln::ir::ops
