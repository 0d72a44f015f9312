// eliminate-identity: removes nodes that compute the identity at inference
// (dropout); their readers read the node's input instead. A graph output
// keeps its name; an identity whose input is a graph input stays, since the
// library must still write the output.
#pragma once

#include "ir/graph.h"

namespace kiln::passes {

ir::Graph eliminate_identity(const ir::Graph &g);

}  // namespace kiln::passes
