// Reading ONNX TensorProto messages: initializers, Constant values, tensor
// attributes and the .pb files of ONNX's test data. Data may be in the typed
// fields, in raw_data (little-endian) or in an external file.
#pragma once

#include <string>

#include "frontend/onnx/const_tensor.h"
#include "onnx/onnx_pb.h"

namespace kiln::frontend::onnx_import {

// `base_dir` resolves external data locations (relative to the model's
// folder). `where` prefixes errors ("model.onnx: initializer 'W'").
ConstTensor tensor_from_proto(const onnx::TensorProto &t, const std::string &base_dir,
                              const std::string &where);

}  // namespace kiln::frontend::onnx_import
