// Small helpers shared by the reference kernels.
//
// A kernel written as a template on the element type runs in float32 and in
// float64 (finite differences need the latter):
//
//   template <typename T>
//   std::vector<BasicTensor<T>> relu_kernel(const ir::Node &, const std::vector<const BasicTensor<T> *> &);
//   KILN_REF_KERNEL(relu)   // ref_relu (the op table's entry) and its float64 twin
//
// Write T where the result is stored (static_cast<T>), double where it
// accumulates. A kernel written for Tensor only still works; in float64 it
// runs on rounded inputs (reference/interpreter.h).
#pragma once

#include <vector>

#include "ir/graph.h"
#include "ir/op.h"
#include "reference/interpreter.h"
#include "reference/tensor.h"

namespace kiln::reference::ops {

template <typename T>
using Inputs = std::vector<const BasicTensor<T> *>;

// The output tensors, zero-filled, shaped by the op's own shape rule.
template <typename T>
std::vector<BasicTensor<T>> make_outputs(const ir::Node &node, const std::vector<const BasicTensor<T> *> &in) {
  std::vector<ir::TensorType> types;
  for (const BasicTensor<T> *t : in) types.push_back({ir::DType::F32, t->shape});
  std::vector<BasicTensor<T>> out;
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

// Defines op NAME's reference entries from the template NAME_kernel<T>:
// ref_NAME (float32, the op table's entry) and a float64 twin registered for
// ref_kernel64. Use at namespace kiln::reference::ops scope.
#define KILN_REF_KERNEL(NAME)                                                                     \
  std::vector<Tensor> ref_##NAME(const ir::Node &node, const std::vector<const Tensor *> &in) {   \
    return NAME##_kernel<float>(node, in);                                                        \
  }                                                                                               \
  namespace {                                                                                     \
  std::vector<Tensor64> ref64_##NAME(const ir::Node &node, const std::vector<const Tensor64 *> &in) { \
    return NAME##_kernel<double>(node, in);                                                       \
  }                                                                                               \
  [[maybe_unused]] const bool registered64_##NAME = register_ref_kernel64(#NAME, ref64_##NAME);   \
  }
