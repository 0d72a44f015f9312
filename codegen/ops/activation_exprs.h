// The elementwise activations as Halide expressions, shared by the relu,
// sigmoid and tanh kernels (codegen/ops/activations.cpp) and the fused
// epilogue of conv2d and dense (codegen/ops/lower_util.h), so a fused
// activation computes exactly what the standalone kernel does.
#pragma once

#include <string>

#include "Halide.h"
#include "ir/errors.h"

namespace kiln::codegen::ops {

inline Halide::Expr relu_expr(const Halide::Expr &x) { return Halide::max(x, 0.0f); }

// 1 / (1 + e^-x); Halide's float exp vectorizes and saturates correctly.
inline Halide::Expr sigmoid_expr(const Halide::Expr &x) { return 1.0f / (1.0f + Halide::exp(-x)); }

// tanh from exp, which vectorizes (Halide's tanh calls libm per lane):
// (1 - e^-2|x|) / (1 + e^-2|x|) with the sign of x, and an odd Taylor
// polynomial near 0, where 1 - e^-2|x| would cancel. Error below 1e-6.
inline Halide::Expr tanh_expr(const Halide::Expr &x) {
  using Halide::Expr;
  Expr a = Halide::abs(x), t = Halide::exp(-2.0f * a);
  Expr far = (1.0f - t) / (1.0f + t);
  Expr a2 = a * a;
  Expr near = a * (1.0f + a2 * (-1.0f / 3 + a2 * (2.0f / 15 + a2 * (-17.0f / 315))));
  Expr r = Halide::select(a < 0.125f, near, far);
  return Halide::select(x < 0.0f, -r, r);
}

// The activation of that op name applied to x; "none" is the identity.
inline Halide::Expr activation_expr(const std::string &name, const Halide::Expr &x) {
  if (name == "none") return x;
  if (name == "relu") return relu_expr(x);
  if (name == "sigmoid") return sigmoid_expr(x);
  if (name == "tanh") return tanh_expr(x);
  throw InternalError("no Halide expression for activation '" + name + "'");
}

}  // namespace kiln::codegen::ops
