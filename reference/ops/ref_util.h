// Small helpers shared by the reference kernels.
#pragma once

#include <vector>

#include "ir/graph.h"
#include "ir/op.h"
#include "reference/tensor.h"

namespace kiln::reference::ops {

// The output tensors, zero-filled, shaped by the op's own shape rule.
inline std::vector<Tensor> make_outputs(const ir::Node &node, const std::vector<const Tensor *> &in) {
  std::vector<ir::TensorType> types;
  for (const Tensor *t : in) types.push_back({ir::DType::F32, t->shape});
  std::vector<Tensor> out;
  for (const auto &t : ir::get_op(node.op).infer(node.attrs, types)) out.emplace_back(t.shape);
  return out;
}

// Splits `shape` around `axis` into outer * shape[axis] * inner.
inline void split_axis(const ir::Shape &shape, int axis, int64_t *outer, int64_t *inner) {
  *outer = *inner = 1;
  for (int d = 0; d < static_cast<int>(shape.size()); d++) {
    if (d < axis) *outer *= shape[d];
    if (d > axis) *inner *= shape[d];
  }
}

}  // namespace kiln::reference::ops
