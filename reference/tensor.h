// A plain host tensor: float32 data in row-major order with its shape.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/types.h"

namespace kiln::reference {

struct Tensor {
  ir::Shape shape;
  std::vector<float> data;

  Tensor() = default;
  explicit Tensor(ir::Shape s) : shape(std::move(s)), data(ir::numel(shape), 0.0f) {}
  Tensor(ir::Shape s, std::vector<float> d) : shape(std::move(s)), data(std::move(d)) {}

  int64_t numel() const { return static_cast<int64_t>(data.size()); }
  // Element at a 4-D index (n, c, h, w) of an NCHW tensor.
  float &at4(int64_t n, int64_t c, int64_t h, int64_t w) {
    return data[((n * shape[1] + c) * shape[2] + h) * shape[3] + w];
  }
  float at4(int64_t n, int64_t c, int64_t h, int64_t w) const {
    return data[((n * shape[1] + c) * shape[2] + h) * shape[3] + w];
  }
};

}  // namespace kiln::reference
