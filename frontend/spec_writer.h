// Writing a graph as a kiln JSON spec (docs/spec.md, graph form) plus a
// weights file, so that `kiln import model.onnx -o model.json` gives a spec
// that loads back into the same graph.
//
// The spec names a node's parameters `<node>.<input>` and creates them from
// the op's own parameter rule, so every parameter must sit in a parameter
// input of one node (conv2d's weight, batch_norm's mean, ...) with the shape
// that rule gives; a constant used as data (an add of a constant tensor) or a
// weight computed at run time cannot be written, and is a UserError naming
// the node. A parameter shared by several nodes is written once per node.
#pragma once

#include <string>

#include "ir/graph.h"

namespace kiln::frontend {

// Writes the spec to `spec_path` and the weights to `weights_path` (the spec
// refers to it relative to the spec's folder). `description` goes into the
// spec's description field.
void write_spec(const ir::Graph &g, const std::string &spec_path, const std::string &weights_path,
                const std::string &description);

}  // namespace kiln::frontend
