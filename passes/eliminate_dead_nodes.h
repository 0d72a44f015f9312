// eliminate-dead-nodes: removes nodes none of whose outputs reach a graph
// output, and the parameters only they used.
#pragma once

#include "ir/graph.h"

namespace kiln::passes {

ir::Graph eliminate_dead_nodes(const ir::Graph &g);

}  // namespace kiln::passes
