#include "frontend/load_model.h"

#include "frontend/json/json_spec.h"
#include "frontend/onnx/onnx_import.h"
#include "ir/errors.h"

namespace kiln::frontend {

namespace {
bool ends_with(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

ir::Graph load_model(const std::string &path, const LoadOptions &options) {
  if (ends_with(path, ".json")) return load_json_spec(path, options);
  if (ends_with(path, ".onnx")) {
    OnnxImportOptions onnx;
    onnx.load = options;
    return load_onnx(path, onnx);
  }
  throw UserError(path + ": unknown model format (kiln reads .json model specs and .onnx models)");
}

}  // namespace kiln::frontend
