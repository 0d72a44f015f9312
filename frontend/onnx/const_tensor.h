// A tensor known at import time: an initializer, a Constant node's value, a
// test's .pb data, or the result of folding exporters' shape arithmetic.
// Floating types keep their values in `f` (double: exact for float32 and
// float16), integer and bool types in `i` (int64: exact for every ONNX integer
// type but uint64 above 2^63). No protobuf type appears here, so tests and
// tools can use it without the ONNX headers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/types.h"

namespace kiln::frontend::onnx_import {

// ONNX TensorProto.DataType codes kiln reads.
enum OnnxDType : int32_t {
  kFloat = 1,
  kUint8 = 2,
  kInt8 = 3,
  kUint16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kString = 8,
  kBool = 9,
  kFloat16 = 10,
  kDouble = 11,
  kUint32 = 12,
  kUint64 = 13,
  kBfloat16 = 16,
};

// "float", "int64", ...; "type N" for codes kiln does not know.
std::string dtype_name(int32_t dtype);
bool is_float_dtype(int32_t dtype);
bool is_int_dtype(int32_t dtype);  // the integer types and bool

struct ConstTensor {
  int32_t dtype = kFloat;
  ir::Shape shape;
  std::vector<double> f;   // when is_float_dtype(dtype)
  std::vector<int64_t> i;  // otherwise

  bool is_float() const { return is_float_dtype(dtype); }
  int64_t numel() const { return ir::numel(shape); }
  // Element k converted; a float read as an integer must be integral.
  double as_double(int64_t k) const;
  int64_t as_int(int64_t k) const;
  std::vector<int64_t> ints() const;
  std::vector<float> floats() const;  // rounded to float32

  static ConstTensor of_ints(ir::Shape shape, std::vector<int64_t> values, int32_t dtype = kInt64);
  static ConstTensor of_floats(ir::Shape shape, std::vector<double> values, int32_t dtype = kFloat);
};

// `t` converted to `dtype` (ONNX Cast: floats truncate toward zero when cast
// to an integer type; anything nonzero is true).
ConstTensor cast_tensor(const ConstTensor &t, int32_t dtype);

}  // namespace kiln::frontend::onnx_import
