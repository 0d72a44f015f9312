#include "passes/eliminate_dead_nodes.h"

#include "ir/graph_rebuild.h"

namespace kiln::passes {

ir::Graph eliminate_dead_nodes(const ir::Graph &g) {
  // Walk backwards from the outputs: a node is live if any output is needed.
  std::vector<bool> needed(g.values.size(), false), keep(g.nodes.size(), false);
  for (int id : g.outputs) needed[id] = true;
  for (const ir::Update &u : g.updates) needed[u.value] = true;
  for (size_t i = g.nodes.size(); i-- > 0;) {
    for (int v : g.nodes[i].outputs) keep[i] = keep[i] || needed[v];
    if (keep[i])
      for (int v : g.nodes[i].inputs) needed[v] = true;
  }
  return ir::compact_graph(g, keep);
}

}  // namespace kiln::passes
