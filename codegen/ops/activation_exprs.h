// The scalar activations as Halide expressions, one table looked up by name:
// the standalone kernels (codegen/ops/activations.cpp), the fused epilogue
// of conv2d and dense (codegen/ops/lower_util.h) and any other kernel that
// applies an activation elementwise use these, so a fused activation computes
// exactly what the standalone kernel does. The list of activations and their
// attributes is ir/ops/scalar_activations.h; the double-precision formulas the
// tests compare with are reference/ops/scalar_activations.cpp.
#pragma once

#include <string>
#include <vector>

#include "Halide.h"
#include "ir/attrs.h"

namespace kiln::codegen::ops {

inline Halide::Expr relu_expr(const Halide::Expr &x) { return Halide::max(x, 0.0f); }

// 1 / (1 + e^-x); Halide's float exp vectorizes and saturates correctly
// (x -> -inf gives 1 / inf = 0, never NaN).
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

// e^x - 1 without the cancellation of exp(x) - 1 near 0 (a Taylor polynomial
// for |x| < 0.1, relative error below 1e-7).
Halide::Expr expm1_expr(const Halide::Expr &x);

// log(1 + u) for u in [0, 1] (a series for u < 0.1, relative error below 1e-6).
Halide::Expr log1p_expr(const Halide::Expr &u);

// log(1 + e^x) as max(x, 0) + log1p(e^-|x|): no overflow for large x, no
// loss for very negative x.
Halide::Expr softplus_expr(const Halide::Expr &x);

// Scalar activation `name` with its attributes (those left out take their
// defaults) applied to x; "none" is the identity. InternalError for a name
// the table lacks.
Halide::Expr activation_expr(const std::string &name, const Halide::Expr &x,
                             const ir::Attrs &attrs = {});

// The names the table holds (a test checks they match the IR's list).
std::vector<std::string> codegen_scalar_activation_names();

// "leaky_relu(alpha=0.1)", or the bare name without attributes: for
// schedule descriptions.
std::string activation_label(const std::string &name, const ir::Attrs &attrs);

}  // namespace kiln::codegen::ops
