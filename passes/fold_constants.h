// fold-constants: a node whose inputs are all parameters computes the same
// numbers on every run, so the reference interpreter computes it once at
// compile time and its outputs become parameters.
#pragma once

#include "ir/graph.h"

namespace kiln::passes {

ir::Graph fold_constants(const ir::Graph &g);

}  // namespace kiln::passes
