// The error for what kiln's ONNX importer does not support (protobuf-free,
// so that tools and tests can catch it without the ONNX headers).
#pragma once

#include <string>

#include "ir/errors.h"

namespace kiln::frontend::onnx_import {

// An operator, attribute value or input form that kiln does not support.
// `op_type` is the ONNX operator (empty when the model as a whole is the
// problem). `constant_input` names a graph input that would be supported if
// it were an initializer (kiln needs it at compile time); the conformance
// runner then supplies the test's value as a constant.
class Unsupported : public UserError {
 public:
  Unsupported(const std::string &message, std::string op_type, std::string constant_input = "")
      : UserError(message),
        op_type(std::move(op_type)),
        constant_input(std::move(constant_input)) {}
  std::string op_type;
  std::string constant_input;
};

}  // namespace kiln::frontend::onnx_import
