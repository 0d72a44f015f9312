// A plain host tensor: data in row-major order with its shape.
//
// `Tensor` (float32) is what compiled kernels are checked against;
// `Tensor64` (float64) lets tests take finite differences of the reference
// kernels without float32 rounding (tests/grad_rules_test.cpp).
#pragma once

#include <cstdint>
#include <vector>

#include "ir/types.h"

namespace kiln::reference {

template <typename T>
struct BasicTensor {
  using Scalar = T;
  ir::Shape shape;
  std::vector<T> data;

  BasicTensor() = default;
  explicit BasicTensor(ir::Shape s) : shape(std::move(s)), data(ir::numel(shape), T(0)) {}
  BasicTensor(ir::Shape s, std::vector<T> d) : shape(std::move(s)), data(std::move(d)) {}

  int64_t numel() const { return static_cast<int64_t>(data.size()); }
  // Element at a 4-D index (n, c, h, w) of an NCHW tensor.
  T &at4(int64_t n, int64_t c, int64_t h, int64_t w) {
    return data[((n * shape[1] + c) * shape[2] + h) * shape[3] + w];
  }
  T at4(int64_t n, int64_t c, int64_t h, int64_t w) const {
    return data[((n * shape[1] + c) * shape[2] + h) * shape[3] + w];
  }
};

using Tensor = BasicTensor<float>;
using Tensor64 = BasicTensor<double>;

// The same tensor with its elements converted to U.
template <typename U, typename T>
BasicTensor<U> tensor_cast(const BasicTensor<T> &t) {
  return BasicTensor<U>(t.shape, std::vector<U>(t.data.begin(), t.data.end()));
}

}  // namespace kiln::reference
