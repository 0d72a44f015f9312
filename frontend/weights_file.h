// kiln's weights file (docs/spec.md, "Weights file"): every parameter by
// name with its shape and float32 data. kiln reads it into a graph and writes
// it from one.
#pragma once

#include <string>

#include "ir/graph.h"

namespace kiln::frontend {

// Writes every parameter of `g` to `path` atomically (temp file, rename).
void write_weights(const ir::Graph &g, const std::string &path);
// Replaces the data of every parameter of `g` with the file's; the file must
// hold exactly the graph's parameters with the same shapes (UserError naming
// the file and the parameter otherwise), plus, for a training library's
// checkpoint, training state that is skipped: "train.*" and
// "<parameter>.<state>".
void read_weights_into(ir::Graph &g, const std::string &path);

}  // namespace kiln::frontend
