// Importing an ONNX model (.onnx, a serialized ModelProto) into kiln's IR.
//
// Initializers become parameters (external data files are read relative to
// the model's folder); graph inputs that are not initializers become the
// graph's inputs, with their names; the graph outputs become its outputs.
// Every node goes through the converter table (frontend/onnx/converters.h);
// shape arithmetic on constants is folded at import. An operator, attribute
// or input form kiln does not support is an onnx_import::Unsupported error
// naming the operator, the node and the opset: nothing is skipped silently.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "frontend/load_options.h"
#include "frontend/onnx/const_tensor.h"
#include "frontend/onnx/unsupported.h"
#include "ir/graph.h"

namespace kiln::frontend {

// The opsets of the default domain kiln imports.
constexpr int kMinOnnxOpset = 1, kMaxOnnxOpset = 17;

struct OnnxImportOptions {
  LoadOptions load;
  // Graph inputs replaced by these values, as if they were initializers
  // (the conformance runner passes the test's shape tensors this way).
  std::map<std::string, onnx_import::ConstTensor> constant_inputs;
  // Graph inputs of another numeric type (double, integers) that the caller
  // converts to float32 and kiln takes as float32 inputs (the conformance
  // runner, where float32 represents the test's values; see
  // docs/conformance.md).
  std::set<std::string> float32_inputs;
  // Graph outputs of another numeric type, known at import (folded shape
  // arithmetic: Shape, Size, Range, ...), that the caller reads as float32:
  // the library writes them as float32 (integers only within 2^24, exact).
  // A float32 constant output needs no entry.
  std::set<std::string> float32_outputs;
};

ir::Graph load_onnx(const std::string &path, const OnnxImportOptions &options = {});

// The operator types of the default domain in the model's graph, sorted,
// each once (for the conformance table), and the model's opset.
struct OnnxModelInfo {
  int opset = 0;
  std::vector<std::string> op_types;
  std::vector<std::string> input_names;  // graph inputs that are not initializers
  std::vector<ir::Shape> input_dims;     // their shapes, -1 for a symbolic dimension
  std::vector<int32_t> input_types;      // their ONNX element types
  std::vector<std::string> output_names;
  std::vector<int32_t> output_types;  // the outputs' ONNX element types
  // Why kiln cannot exchange data with the model (an input or output that
  // is a sequence, an optional or a string tensor), or "".
  std::string unsupported_io;
};
OnnxModelInfo read_onnx_info(const std::string &path);

// Reads one serialized TensorProto (a test's input_0.pb). Throws UserError.
onnx_import::ConstTensor read_onnx_tensor(const std::string &path);

// The ONNX operators kiln has converters for.
std::vector<std::string> onnx_supported_ops();

}  // namespace kiln::frontend
