#include "frontend/onnx/converters.h"

namespace kiln::frontend::onnx_import {

namespace {

const ConverterTable &table() {
  static const ConverterTable t = [] {
    ConverterTable t;
    add_conv_converters(t);
    add_pool_converters(t);
    add_activation_converters(t);
    add_elementwise_converters(t);
    add_linear_converters(t);
    add_shape_converters(t);
    add_constant_converters(t);
    add_norm_converters(t);
    add_recurrent_converters(t);
    return t;
  }();
  return t;
}

}  // namespace

Converter find_converter(const std::string &op_type) {
  auto it = table().find(op_type);
  return it == table().end() ? nullptr : it->second;
}

std::vector<std::string> converter_names() {
  std::vector<std::string> names;
  for (const auto &entry : table()) names.push_back(entry.first);
  return names;
}

}  // namespace kiln::frontend::onnx_import
