// Small helpers for writing OpDefs: common checks and cost formulas.
#pragma once

#include <string>
#include <vector>

#include "ir/errors.h"
#include "ir/op.h"

namespace kiln::ir::ops {

inline void expect_rank(const TensorType &t, int rank, const std::string &what) {
  if (t.rank() != rank)
    throw UserError(what + " must have rank " + std::to_string(rank) + ", got " +
                    shape_str(t.shape));
}

inline void expect_shape(const TensorType &t, const Shape &shape, const std::string &what) {
  if (t.shape != shape)
    throw UserError(what + " must have shape " + shape_str(shape) + ", got " + shape_str(t.shape));
}

// A convolution's `filters` (positive) and `groups` (dividing the input
// channels, x's dimension 1, and the filters).
inline void expect_filters_and_groups(const Attrs &a, const TensorType &x) {
  const int64_t filters = a.get_int("filters"), groups = a.get_int("groups");
  if (filters <= 0) throw UserError("filters must be positive");
  if (groups <= 0 || x.shape[1] % groups || filters % groups)
    throw UserError("groups (" + std::to_string(groups) + ") must divide the input channels (" +
                    std::to_string(x.shape[1]) + ") and the filters (" + std::to_string(filters) +
                    ")");
}

// A bias input (in[2], of shape {filters}) present exactly when use_bias is set.
inline void expect_bias_if_used(const Attrs &a, const std::vector<TensorType> &in) {
  const bool bias = a.get_int("use_bias") != 0;
  if (bias != (in.size() > 2))
    throw UserError(bias ? "use_bias needs a bias input" : "a bias input needs use_bias");
  if (bias) expect_shape(in[2], {a.get_int("filters")}, "the bias");
}

// A cost of `per_element` flops for every output element.
inline Cost elementwise_cost(const std::vector<TensorType> &out, int64_t per_element = 1) {
  Cost c;
  for (const auto &t : out) c.flops += per_element * t.numel();
  return c;
}

// `def` with its gradient rule set (for definitions built by a helper).
inline OpDef with_grad(OpDef def, GradRule rule) {
  def.grad = rule;
  return def;
}

// Normalizes a possibly negative axis against `rank`.
inline int resolve_axis(int64_t axis, int rank, const std::string &what) {
  int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank)
    throw UserError(what + " axis " + std::to_string(axis) + " is out of range for rank " +
                    std::to_string(rank));
  return static_cast<int>(a);
}

}  // namespace kiln::ir::ops
