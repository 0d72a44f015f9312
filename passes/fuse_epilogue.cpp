#include "passes/fuse_epilogue.h"

#include <algorithm>

#include "ir/ops/epilogue.h"
#include "ir/graph_rebuild.h"

namespace kiln::passes {

namespace {

using ir::ops::Epilogue;

// Who reads each value: node indices (once per input slot) and whether it is
// a graph output. Kept up to date as nodes are fused.
struct Uses {
  std::vector<std::vector<int>> readers;
  std::vector<bool> is_output;

  explicit Uses(const ir::Graph &g) : readers(g.values.size()), is_output(g.values.size(), false) {
    for (size_t i = 0; i < g.nodes.size(); i++)
      for (int v : g.nodes[i].inputs) readers[v].push_back(static_cast<int>(i));
    for (int v : g.outputs) is_output[v] = true;
  }

  // The node that alone reads v, or -1.
  int sole_reader(int v) const {
    return !is_output[v] && readers[v].size() == 1 ? readers[v][0] : -1;
  }
};

enum class Step { None, Activation, Residual, PostActivation };

// The add's input other than `v`.
int other_addend(const ir::Node &add, int v) {
  return add.inputs[0] == v ? add.inputs[1] : add.inputs[0];
}

// Defined before node `layer_id`, so the layer may read it.
bool defined_before(const ir::Graph &g, int value, int layer_id) {
  const ir::Value &r = g.value(value);
  return r.kind != ir::ValueKind::Activation || r.producer < layer_id;
}

// What fusing `reader`, the sole reader of the layer's output v, would add
// to the layer's epilogue.
Step next_step(const ir::Graph &g, int layer_id, int v, const ir::Node &reader) {
  const Epilogue e = ir::ops::epilogue_of(g.node(layer_id).attrs);
  if (ir::ops::is_epilogue_activation(reader.op)) {
    if (!e.has_residual) return e.activation == "none" ? Step::Activation : Step::None;
    return e.post_activation == "none" ? Step::PostActivation : Step::None;
  }
  // A broadcasting add (a bias-like operand) is not a residual.
  if (reader.op == "add" && reader.inputs.size() == 2 && !e.has_residual &&
      defined_before(g, other_addend(reader, v), layer_id) &&
      g.value(other_addend(reader, v)).type.shape == g.value(v).type.shape)
    return Step::Residual;
  return Step::None;
}

// Makes node `layer_id` do the work of node `reader_id` as `step`; the
// reader's output is replaced by the layer's everywhere.
void absorb(ir::Graph &g, Uses &uses, int layer_id, int reader_id, Step step) {
  ir::Node &layer = g.nodes[layer_id];
  const ir::Node &reader = g.nodes[reader_id];
  const int v = layer.outputs[0], w = reader.outputs[0];
  if (step == Step::Activation)
    ir::ops::set_epilogue_activation(layer.attrs, "activation", reader.op, reader.attrs);
  if (step == Step::PostActivation)
    ir::ops::set_epilogue_activation(layer.attrs, "post_activation", reader.op, reader.attrs);
  if (step == Step::Residual) {
    int r = other_addend(reader, v);
    layer.inputs.push_back(r);
    layer.attrs.set("has_residual", int64_t{1});
    std::replace(uses.readers[r].begin(), uses.readers[r].end(), reader_id, layer_id);
  }
  ir::replace_uses(g, w, v);  // a graph output keeps its name
  uses.readers[v] = std::move(uses.readers[w]);
  uses.readers[w].clear();
  uses.is_output[v] = uses.is_output[w];
}

}  // namespace

ir::Graph fuse_epilogue(const ir::Graph &input) {
  ir::Graph g = input;
  Uses uses(g);
  std::vector<bool> keep(g.nodes.size(), true);
  for (size_t i = 0; i < g.nodes.size(); i++) {
    const int layer_id = static_cast<int>(i);
    if (!keep[i] || !ir::ops::takes_epilogue(g.nodes[i].op)) continue;
    for (;;) {
      const int v = g.nodes[i].outputs[0], reader = uses.sole_reader(v);
      if (reader < 0) break;
      Step step = next_step(g, layer_id, v, g.node(reader));
      if (step == Step::None) break;
      absorb(g, uses, layer_id, reader, step);
      keep[reader] = false;
    }
  }
  return ir::compact_graph(g, keep);
}

}  // namespace kiln::passes
