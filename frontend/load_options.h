// How a model is loaded: for inference (the default) or for training.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kiln::frontend {

struct LoadOptions {
  // Keep the outputs the spec marks training-only (GoogLeNet's auxiliary
  // classifiers), after the others. For inference they are not outputs, and
  // the nodes that only they need are dropped.
  bool training = false;
  // Static shapes for inputs whose model shape has symbolic dimensions
  // (ONNX: `--input-shape name=1x3x224x224`).
  std::map<std::string, std::vector<int64_t>> input_shapes;
};

}  // namespace kiln::frontend
