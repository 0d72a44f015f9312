#include "ir/ops/broadcast.h"

#include <algorithm>

#include "ir/errors.h"

namespace kiln::ir::ops {

Shape pad_to_rank(const Shape &s, int rank) {
  Shape out(static_cast<size_t>(std::max(rank - static_cast<int>(s.size()), 0)), 1);
  out.insert(out.end(), s.begin(), s.end());
  return out;
}

Shape broadcast_shape(const Shape &a, const Shape &b) {
  const int rank = static_cast<int>(std::max(a.size(), b.size()));
  const Shape pa = pad_to_rank(a, rank), pb = pad_to_rank(b, rank);
  Shape out(rank);
  for (int d = 0; d < rank; d++) {
    if (pa[d] == pb[d] || pb[d] == 1) {
      out[d] = pa[d];
    } else if (pa[d] == 1) {
      out[d] = pb[d];
    } else {
      throw UserError("the inputs must have equal shapes or shapes that broadcast, got " +
                      shape_str(a) + " and " + shape_str(b) + ": dimension " + std::to_string(d) +
                      " of the result would be " + std::to_string(pa[d]) + " and " +
                      std::to_string(pb[d]) +
                      " (numpy rules: the shapes are aligned at their last dimension, and each "
                      "pair of dimensions must be equal or one of them 1)");
    }
  }
  return out;
}

}  // namespace kiln::ir::ops
