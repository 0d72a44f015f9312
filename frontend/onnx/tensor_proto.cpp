#include "frontend/onnx/tensor_proto.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "ir/errors.h"

namespace kiln::frontend::onnx_import {

namespace {

double half_to_double(uint16_t h) {
  const int sign = h >> 15, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  double v;
  if (exponent == 0)
    v = std::ldexp(mantissa, -24);
  else if (exponent == 31)
    v = mantissa ? NAN : INFINITY;
  else
    v = std::ldexp(mantissa + 1024, exponent - 25);
  return sign ? -v : v;
}

double bfloat16_to_double(uint16_t b) {
  uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

size_t element_size(int32_t dtype) {
  switch (dtype) {
    case kUint8:
    case kInt8:
    case kBool:
      return 1;
    case kUint16:
    case kInt16:
    case kFloat16:
    case kBfloat16:
      return 2;
    case kFloat:
    case kInt32:
    case kUint32:
      return 4;
    case kInt64:
    case kUint64:
    case kDouble:
      return 8;
  }
  return 0;
}

template <typename T>
T load(const char *p) {
  T v;
  std::memcpy(&v, p, sizeof v);  // ONNX raw data is little-endian, as x86 is
  return v;
}

// Decodes little-endian bytes into `out` (its dtype and shape already set).
void decode_raw(const std::string &bytes, ConstTensor &out, const std::string &where) {
  const size_t size = element_size(out.dtype), n = static_cast<size_t>(out.numel());
  if (bytes.size() != n * size)
    throw UserError(where + ": the data has " + std::to_string(bytes.size()) + " bytes, but " +
                    dtype_name(out.dtype) + "[" + ir::shape_str(out.shape) + "] needs " +
                    std::to_string(n * size));
  const char *p = bytes.data();
  if (out.is_float())
    out.f.resize(n);
  else
    out.i.resize(n);
  for (size_t k = 0; k < n; k++, p += size) {
    switch (out.dtype) {
      case kFloat:
        out.f[k] = load<float>(p);
        break;
      case kDouble:
        out.f[k] = load<double>(p);
        break;
      case kFloat16:
        out.f[k] = half_to_double(load<uint16_t>(p));
        break;
      case kBfloat16:
        out.f[k] = bfloat16_to_double(load<uint16_t>(p));
        break;
      case kUint8:
        out.i[k] = load<uint8_t>(p);
        break;
      case kInt8:
        out.i[k] = load<int8_t>(p);
        break;
      case kBool:
        out.i[k] = load<uint8_t>(p) != 0;
        break;
      case kUint16:
        out.i[k] = load<uint16_t>(p);
        break;
      case kInt16:
        out.i[k] = load<int16_t>(p);
        break;
      case kInt32:
        out.i[k] = load<int32_t>(p);
        break;
      case kUint32:
        out.i[k] = load<uint32_t>(p);
        break;
      case kInt64:
        out.i[k] = load<int64_t>(p);
        break;
      case kUint64:
        out.i[k] = static_cast<int64_t>(load<uint64_t>(p));
        break;
    }
  }
}

std::string read_external(const onnx::TensorProto &t, const std::string &base_dir,
                          const std::string &where) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto &entry : t.external_data()) {
    if (entry.key() == "location")
      location = entry.value();
    else if (entry.key() == "offset")
      offset = std::stoll(entry.value());
    else if (entry.key() == "length")
      length = std::stoll(entry.value());
  }
  if (location.empty()) throw UserError(where + ": external data without a location");
  std::filesystem::path path = std::filesystem::path(base_dir) / location;
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw UserError(where + ": cannot open the external data file " + path.string());
  const int64_t file_size = in.tellg();
  if (length < 0) length = file_size - offset;
  if (offset < 0 || offset + length > file_size)
    throw UserError(where + ": external data [" + std::to_string(offset) + ", " +
                    std::to_string(offset + length) + ") runs past the end of " + path.string() +
                    " (" + std::to_string(file_size) + " bytes)");
  std::string bytes(static_cast<size_t>(length), '\0');
  in.seekg(offset);
  in.read(bytes.data(), length);
  if (!in) throw UserError(where + ": cannot read " + path.string());
  return bytes;
}

// The typed repeated fields: float_data, int32_data (also int8/16, uint8/16,
// bool and float16 bits), int64_data, double_data, uint64_data (uint32/64).
void decode_typed(const onnx::TensorProto &t, ConstTensor &out, const std::string &where) {
  const int64_t n = out.numel();
  auto check = [&](int64_t got) {
    if (got != n)
      throw UserError(where + ": " + std::to_string(got) + " values for shape " +
                      ir::shape_str(out.shape));
  };
  switch (out.dtype) {
    case kFloat:
      check(t.float_data_size());
      out.f.assign(t.float_data().begin(), t.float_data().end());
      return;
    case kDouble:
      check(t.double_data_size());
      out.f.assign(t.double_data().begin(), t.double_data().end());
      return;
    case kFloat16:
    case kBfloat16:
      check(t.int32_data_size());
      for (int32_t bits : t.int32_data())
        out.f.push_back(out.dtype == kFloat16 ? half_to_double(static_cast<uint16_t>(bits))
                                              : bfloat16_to_double(static_cast<uint16_t>(bits)));
      return;
    case kInt64:
      check(t.int64_data_size());
      out.i.assign(t.int64_data().begin(), t.int64_data().end());
      return;
    case kUint32:
    case kUint64:
      check(t.uint64_data_size());
      out.i.assign(t.uint64_data().begin(), t.uint64_data().end());
      return;
    default:
      check(t.int32_data_size());
      out.i.assign(t.int32_data().begin(), t.int32_data().end());
      if (out.dtype == kBool)
        for (int64_t &v : out.i) v = v != 0;
      return;
  }
}

}  // namespace

ConstTensor tensor_from_proto(const onnx::TensorProto &t, const std::string &base_dir,
                              const std::string &where) {
  ConstTensor out;
  out.dtype = t.data_type();
  if (element_size(out.dtype) == 0)
    throw UserError(where + ": kiln does not read " + dtype_name(out.dtype) + " tensors");
  for (int64_t d : t.dims()) {
    if (d < 0) throw UserError(where + ": negative dimension " + std::to_string(d));
    out.shape.push_back(d);
  }
  if (t.data_location() == onnx::TensorProto::EXTERNAL)
    decode_raw(read_external(t, base_dir, where), out, where);
  else if (t.has_raw_data())
    decode_raw(t.raw_data(), out, where);
  else
    decode_typed(t, out, where);
  return out;
}

}  // namespace kiln::frontend::onnx_import
