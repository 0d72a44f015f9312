#include "codegen/ops/activation_exprs.h"

#include "ir/errors.h"
#include "ir/op.h"

namespace kiln::codegen::ops {

namespace {

using Halide::Expr;
using Halide::select;

Expr f32(const ir::Attrs &a, const char *name) {
  return Expr(static_cast<float>(a.get_float(name)));
}

// x for x > 0, else alpha (e^x - 1); exp's argument is kept <= 0 so the
// unused branch never overflows.
Expr elu_expr(const Expr &x, const Expr &alpha) {
  return select(x > 0.0f, x, alpha * expm1_expr(Halide::min(x, 0.0f)));
}

// x tanh(softplus(x)) = x n (n + 2) / (n (n + 2) + 2) with n = e^x, since
// tanh(log(1 + n)) = ((1 + n)^2 - 1) / ((1 + n)^2 + 1): one exp, exact as
// x -> -inf (the ratio is about n), and 1 above x = 20 where float tanh is 1.
Expr mish_expr(const Expr &x) {
  Expr n = Halide::exp(Halide::min(x, 20.0f)), t = n * (n + 2.0f);
  return x * select(x > 20.0f, 1.0f, t / (t + 2.0f));
}

// PyTorch's softplus: log(1 + e^(beta x)) / beta, and x where beta x > threshold.
Expr softplus_beta_expr(const Expr &x, const Expr &beta, const Expr &threshold) {
  Expr z = beta * x;
  return select(z > threshold, x, softplus_expr(z) / beta);
}

Expr clip_expr(const Expr &x, const ir::Attrs &a) {
  Expr r = x;
  if (a.has("min")) r = Halide::max(r, f32(a, "min"));
  if (a.has("max")) r = Halide::min(r, f32(a, "max"));
  return r;
}

using MakeExpr = Expr (*)(const Expr &x, const ir::Attrs &a);

struct Entry {
  const char *name;
  MakeExpr make;
};

const Entry kTable[] = {
    {"relu", [](const Expr &x, const ir::Attrs &) { return relu_expr(x); }},
    {"sigmoid", [](const Expr &x, const ir::Attrs &) { return sigmoid_expr(x); }},
    {"tanh", [](const Expr &x, const ir::Attrs &) { return tanh_expr(x); }},
    {"elu", [](const Expr &x, const ir::Attrs &a) { return elu_expr(x, f32(a, "alpha")); }},
    {"selu", [](const Expr &x,
                const ir::Attrs &a) { return f32(a, "gamma") * elu_expr(x, f32(a, "alpha")); }},
    {"swish", [](const Expr &x, const ir::Attrs &) { return x * sigmoid_expr(x); }},
    {"mish", [](const Expr &x, const ir::Attrs &) { return mish_expr(x); }},
    {"softplus",
     [](const Expr &x, const ir::Attrs &a) {
       return softplus_beta_expr(x, f32(a, "beta"), f32(a, "threshold"));
     }},
    {"leaky_relu",
     [](const Expr &x, const ir::Attrs &a) { return select(x >= 0.0f, x, f32(a, "alpha") * x); }},
    {"relu6", [](const Expr &x, const ir::Attrs &) { return Halide::clamp(x, 0.0f, 6.0f); }},
    {"hard_sigmoid",
     [](const Expr &x, const ir::Attrs &a) {
       return Halide::clamp(f32(a, "alpha") * x + f32(a, "beta"), 0.0f, 1.0f);
     }},
    {"hard_swish",
     [](const Expr &x, const ir::Attrs &) {
       return x * Halide::clamp(x * (1.0f / 6) + 0.5f, 0.0f, 1.0f);
     }},
    {"softsign", [](const Expr &x, const ir::Attrs &) { return x / (1.0f + Halide::abs(x)); }},
    {"clip", clip_expr},
};

}  // namespace

Expr expm1_expr(const Expr &x) {
  Expr near = x * (1.0f + x * (1.0f / 2 + x * (1.0f / 6 + x * (1.0f / 24 + x * (1.0f / 120)))));
  return select(Halide::abs(x) < 0.1f, near, Halide::exp(x) - 1.0f);
}

Expr log1p_expr(const Expr &u) {
  Expr near =
      u * (1.0f + u * (-1.0f / 2 +
                       u * (1.0f / 3 +
                            u * (-1.0f / 4 + u * (1.0f / 5 + u * (-1.0f / 6 + u * (1.0f / 7)))))));
  return select(u < 0.1f, near, Halide::log(1.0f + u));
}

Expr softplus_expr(const Expr &x) {
  return Halide::max(x, 0.0f) + log1p_expr(Halide::exp(-Halide::abs(x)));
}

Expr activation_expr(const std::string &name, const Expr &x, const ir::Attrs &attrs) {
  if (name == "none") return x;
  for (const Entry &e : kTable)
    if (name == e.name)
      return e.make(x, ir::normalize_attrs(ir::get_op(name), attrs, "activation " + name));
  throw InternalError("no Halide expression for scalar activation '" + name + "'");
}

std::vector<std::string> codegen_scalar_activation_names() {
  std::vector<std::string> names;
  for (const Entry &e : kTable) names.push_back(e.name);
  return names;
}

std::string activation_label(const std::string &name, const ir::Attrs &attrs) {
  std::string args;
  for (const auto &[k, v] : attrs.all())
    args += (args.empty() ? "" : ", ") + k + "=" + ir::attr_str(v);
  return args.empty() ? name : name + "(" + args + ")";
}

}  // namespace kiln::codegen::ops
