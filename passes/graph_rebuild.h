// Rebuilding a graph from a filtered or rewritten node list: passes describe
// what to keep and how values map, and this renumbers values consistently.
#pragma once

#include <vector>

#include "ir/graph.h"

namespace kiln::passes {

// Copies `g` keeping only the nodes with keep_node[i] and only the values
// still referenced (inputs always stay). Value ids are renumbered; names,
// types, data and node order are kept.
ir::Graph compact_graph(const ir::Graph &g, const std::vector<bool> &keep_node);

}  // namespace kiln::passes
