#include "passes/eliminate_identity.h"

#include <algorithm>

#include "ir/graph_rebuild.h"

namespace kiln::passes {

namespace {
bool is_identity(const ir::Node &n) { return n.op == "dropout"; }
}  // namespace

ir::Graph eliminate_identity(const ir::Graph &input) {
  ir::Graph g = input;
  std::vector<bool> keep(g.nodes.size(), true);
  for (size_t i = 0; i < g.nodes.size(); i++) {
    if (!is_identity(g.nodes[i])) continue;
    int from = g.nodes[i].inputs[0], to = g.nodes[i].outputs[0];
    bool is_output = std::count(g.outputs.begin(), g.outputs.end(), to) > 0;
    bool from_is_output = std::count(g.outputs.begin(), g.outputs.end(), from) > 0;
    if (is_output && (g.value(from).kind != ir::ValueKind::Activation || from_is_output)) continue;
    ir::replace_uses(g, to, from);
    keep[i] = false;
  }
  return ir::compact_graph(g, keep);
}

}  // namespace kiln::passes
