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
    throw UserError(what + " must have shape " + shape_str(shape) + ", got " +
                    shape_str(t.shape));
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
