// Loading a model file into the IR, whatever its format.
#pragma once

#include <string>

#include "frontend/load_options.h"
#include "ir/graph.h"

namespace kiln::frontend {

// Loads `path` by its extension (.json: kiln's spec; .onnx: an ONNX model,
// frontend/onnx/onnx_import.h; others: a UserError
// naming the formats kiln reads). Every error names the file.
ir::Graph load_model(const std::string &path, const LoadOptions &options = {});

}  // namespace kiln::frontend
