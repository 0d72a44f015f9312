#include "ir/graph_rebuild.h"

namespace kiln::ir {

Graph compact_graph(const Graph &g, const std::vector<bool> &keep_node) {
  std::vector<bool> used(g.values.size(), false);
  for (int id : g.inputs) used[id] = true;
  for (int id : g.outputs) used[id] = true;
  for (const Update &u : g.updates) used[u.param] = used[u.value] = true;
  for (size_t i = 0; i < g.nodes.size(); i++) {
    if (!keep_node[i]) continue;
    for (int v : g.nodes[i].inputs) used[v] = true;
    for (int v : g.nodes[i].outputs) used[v] = true;
  }
  Graph out;
  out.name = g.name;
  std::vector<int> remap(g.values.size(), -1);
  std::vector<int> node_remap(g.nodes.size(), -1);
  int kept_nodes = 0;
  for (size_t i = 0; i < g.nodes.size(); i++)
    if (keep_node[i]) node_remap[i] = kept_nodes++;
  for (size_t id = 0; id < g.values.size(); id++) {
    if (!used[id]) continue;
    ir::Value v = g.values[id];
    if (v.producer >= 0) v.producer = node_remap[v.producer];
    remap[id] = static_cast<int>(out.values.size());
    out.values.push_back(std::move(v));
  }
  for (size_t i = 0; i < g.nodes.size(); i++) {
    if (!keep_node[i]) continue;
    ir::Node n = g.nodes[i];
    for (int &v : n.inputs) v = remap[v];
    for (int &v : n.outputs) v = remap[v];
    out.nodes.push_back(std::move(n));
  }
  for (int id : g.inputs) out.inputs.push_back(remap[id]);
  for (int id : g.outputs) out.outputs.push_back(remap[id]);
  for (const Update &u : g.updates) out.updates.push_back({remap[u.param], remap[u.value]});
  return out;
}

void replace_uses(Graph &g, int from, int to) {
  for (ir::Node &n : g.nodes)
    for (int &v : n.inputs)
      if (v == from) v = to;
  for (Update &u : g.updates)
    if (u.value == from) u.value = to;
  bool renamed = false;
  for (int &v : g.outputs)
    if (v == from) {
      v = to;
      if (!renamed) std::swap(g.values[from].name, g.values[to].name);
      renamed = true;
    }
}

}  // namespace kiln::ir
