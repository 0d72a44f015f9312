// Rebuilding a graph from a filtered or rewritten node list: passes describe
// what to keep and how values map, and this renumbers values consistently.
#pragma once

#include <vector>

#include "ir/graph.h"

namespace kiln::ir {

// Copies `g` keeping only the nodes with keep_node[i] and only the values
// still referenced (inputs always stay). Value ids are renumbered; names,
// types, data and node order are kept.
Graph compact_graph(const Graph &g, const std::vector<bool> &keep_node);

// Makes every reader of value `from` (node inputs and graph outputs) read
// `to` instead. A graph output keeps its name: `to` takes `from`'s name and
// `from` gets `to`'s old one (the caller usually drops `from` next).
void replace_uses(Graph &g, int from, int to);

}  // namespace kiln::ir
