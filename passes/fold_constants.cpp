#include "passes/fold_constants.h"

#include "ir/graph_rebuild.h"
#include "reference/interpreter.h"

namespace kiln::passes {

ir::Graph fold_constants(const ir::Graph &input) {
  ir::Graph g = input;
  std::vector<bool> keep(g.nodes.size(), true), updated(g.values.size(), false);
  for (const ir::Update &u : g.updates) updated[u.param] = true;
  for (size_t i = 0; i < g.nodes.size(); i++) {
    const ir::Node &n = g.nodes[i];
    // A parameter a training step updates is not a constant.
    bool constant = true;
    for (int v : n.inputs) constant = constant && g.value(v).kind == ir::ValueKind::Param && !updated[v];
    bool feeds_output = false;
    for (int v : n.outputs)
      for (int o : g.outputs) feeds_output = feeds_output || o == v;
    // A graph output must be written by a kernel: leave those nodes alone.
    if (!constant || feeds_output) continue;
    std::vector<reference::Tensor> in;
    for (int v : n.inputs) in.emplace_back(g.value(v).type.shape, *g.value(v).data);
    std::vector<const reference::Tensor *> ptrs;
    for (const auto &t : in) ptrs.push_back(&t);
    std::vector<reference::Tensor> out = reference::run_node(n, ptrs);
    for (size_t k = 0; k < n.outputs.size(); k++) {
      ir::Value &v = g.values[n.outputs[k]];
      v.kind = ir::ValueKind::Param;
      v.producer = -1;
      v.data = std::make_shared<const std::vector<float>>(std::move(out[k].data));
    }
    keep[i] = false;
  }
  return ir::compact_graph(g, keep);
}

}  // namespace kiln::passes
