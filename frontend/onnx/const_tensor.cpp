#include "frontend/onnx/const_tensor.h"

#include <cmath>

#include "ir/errors.h"

namespace kiln::frontend::onnx_import {

std::string dtype_name(int32_t dtype) {
  switch (dtype) {
    case kFloat:
      return "float";
    case kUint8:
      return "uint8";
    case kInt8:
      return "int8";
    case kUint16:
      return "uint16";
    case kInt16:
      return "int16";
    case kInt32:
      return "int32";
    case kInt64:
      return "int64";
    case kString:
      return "string";
    case kBool:
      return "bool";
    case kFloat16:
      return "float16";
    case kDouble:
      return "double";
    case kUint32:
      return "uint32";
    case kUint64:
      return "uint64";
    case kBfloat16:
      return "bfloat16";
  }
  return "type " + std::to_string(dtype);
}

bool is_float_dtype(int32_t dtype) {
  return dtype == kFloat || dtype == kDouble || dtype == kFloat16 || dtype == kBfloat16;
}

bool is_int_dtype(int32_t dtype) {
  switch (dtype) {
    case kUint8:
    case kInt8:
    case kUint16:
    case kInt16:
    case kInt32:
    case kInt64:
    case kBool:
    case kUint32:
    case kUint64:
      return true;
  }
  return false;
}

double ConstTensor::as_double(int64_t k) const {
  return is_float() ? f.at(k) : static_cast<double>(i.at(k));
}

int64_t ConstTensor::as_int(int64_t k) const {
  if (!is_float()) return i.at(k);
  double v = f.at(k);
  if (v != std::floor(v) || std::fabs(v) > 9.0e18)
    throw UserError("expected an integer, got " + std::to_string(v));
  return static_cast<int64_t>(v);
}

std::vector<int64_t> ConstTensor::ints() const {
  std::vector<int64_t> out(numel());
  for (int64_t k = 0; k < numel(); k++) out[k] = as_int(k);
  return out;
}

std::vector<float> ConstTensor::floats() const {
  std::vector<float> out(numel());
  for (int64_t k = 0; k < numel(); k++) out[k] = static_cast<float>(as_double(k));
  return out;
}

ConstTensor ConstTensor::of_ints(ir::Shape shape, std::vector<int64_t> values, int32_t dtype) {
  ConstTensor t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.i = std::move(values);
  if (static_cast<int64_t>(t.i.size()) != t.numel())
    throw InternalError("of_ints: " + std::to_string(t.i.size()) + " values for shape " +
                        ir::shape_str(t.shape));
  return t;
}

ConstTensor ConstTensor::of_floats(ir::Shape shape, std::vector<double> values, int32_t dtype) {
  ConstTensor t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.f = std::move(values);
  if (static_cast<int64_t>(t.f.size()) != t.numel())
    throw InternalError("of_floats: " + std::to_string(t.f.size()) + " values for shape " +
                        ir::shape_str(t.shape));
  return t;
}

ConstTensor cast_tensor(const ConstTensor &t, int32_t dtype) {
  ConstTensor out;
  out.dtype = dtype;
  out.shape = t.shape;
  if (is_float_dtype(dtype)) {
    out.f.resize(t.numel());
    for (int64_t k = 0; k < t.numel(); k++) {
      double v = t.as_double(k);
      out.f[k] = dtype == kFloat ? static_cast<double>(static_cast<float>(v)) : v;
    }
  } else if (is_int_dtype(dtype)) {
    out.i.resize(t.numel());
    for (int64_t k = 0; k < t.numel(); k++) {
      if (dtype == kBool) {
        out.i[k] = t.as_double(k) != 0;
      } else if (t.is_float()) {
        double v = t.f[k];
        if (!std::isfinite(v)) throw UserError("cannot cast a non-finite value to an integer");
        out.i[k] = static_cast<int64_t>(std::trunc(v));
      } else {
        out.i[k] = t.i[k];
      }
    }
  } else {
    throw UserError("cannot cast to " + dtype_name(dtype));
  }
  return out;
}

}  // namespace kiln::frontend::onnx_import
