// numpy broadcasting for the elementwise binary ops (add, sub, mul, div):
// the shapes are aligned at their last dimension, the shorter one padded
// with leading 1s; each pair of dimensions must be equal or one of them 1,
// and the result takes the larger.
#pragma once

#include "ir/types.h"

namespace kiln::ir::ops {

// The broadcast shape of a and b; UserError naming both shapes and the first
// dimension that differs.
Shape broadcast_shape(const Shape &a, const Shape &b);

// `s` padded with leading 1s to `rank` dimensions.
Shape pad_to_rank(const Shape &s, int rank);

}  // namespace kiln::ir::ops
