#include "ir/types.h"

namespace kiln::ir {

const char *dtype_name(DType t) {
  switch (t) {
    case DType::F32: return "f32";
  }
  return "?";
}

size_t dtype_size(DType t) {
  switch (t) {
    case DType::F32: return 4;
  }
  return 0;
}

int64_t numel(const Shape &shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

int64_t TensorType::numel() const { return ir::numel(shape); }

std::string shape_str(const Shape &shape) {
  std::string s;
  for (size_t i = 0; i < shape.size(); i++) {
    if (i) s += "x";
    s += std::to_string(shape[i]);
  }
  return s.empty() ? "scalar" : s;
}

std::string type_str(const TensorType &t) {
  return std::string(dtype_name(t.dtype)) + "[" + shape_str(t.shape) + "]";
}

}  // namespace kiln::ir
