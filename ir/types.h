// Tensor types: element type, shape (row-major, outermost first) and layout.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kiln::ir {

enum class DType { F32 };

// Plain means dense row-major in the order of `shape` (NCHW for images).
// Blocked layouts (NCHW[x]c) will join this enum when a pass introduces them.
enum class Layout { Plain };

using Shape = std::vector<int64_t>;

struct TensorType {
  DType dtype = DType::F32;
  Shape shape;
  Layout layout = Layout::Plain;

  int rank() const { return static_cast<int>(shape.size()); }
  int64_t numel() const;
  bool operator==(const TensorType &o) const {
    return dtype == o.dtype && shape == o.shape && layout == o.layout;
  }
  bool operator!=(const TensorType &o) const { return !(*this == o); }
};

const char *dtype_name(DType t);
size_t dtype_size(DType t);
int64_t numel(const Shape &shape);
// "1x3x32x32"
std::string shape_str(const Shape &shape);
// "f32[1x3x32x32]"
std::string type_str(const TensorType &t);

}  // namespace kiln::ir
