// Loading a model file into the IR, whatever its format.
#pragma once

#include <string>

#include "ir/graph.h"

namespace kiln::frontend {

// Loads `path` by its extension (.json: kiln's spec; others: a UserError
// naming the formats kiln reads). Every error names the file.
ir::Graph load_model(const std::string &path);

}  // namespace kiln::frontend
