#include "ir/ops/epilogue.h"
#include "passes/fold_batchnorm.h"

#include <cmath>

#include "ir/graph_rebuild.h"

namespace kiln::passes {

namespace {

// How many node inputs and graph outputs read each value.
std::vector<int> use_counts(const ir::Graph &g) {
  std::vector<int> uses(g.values.size(), 0);
  for (const ir::Node &n : g.nodes)
    for (int v : n.inputs) uses[v]++;
  for (int v : g.outputs) uses[v]++;
  return uses;
}

bool foldable(const ir::Graph &g, const ir::Node &bn, const std::vector<int> &uses) {
  if (bn.op != "batch_norm") return false;
  const ir::Value &x = g.value(bn.inputs[0]);
  if (x.kind != ir::ValueKind::Activation || uses[bn.inputs[0]] != 1) return false;
  const ir::Node &layer = g.node(x.producer);
  if (layer.op != "conv2d" && layer.op != "dense") return false;
  // A fused epilogue (activation, residual) sits between the layer and the BN.
  if (!ir::ops::epilogue_of(layer.attrs).empty()) return false;
  for (int k = 1; k < 5; k++)
    if (g.value(bn.inputs[k]).kind != ir::ValueKind::Param) return false;
  // The layer's own weights must not be shared with another node.
  for (size_t k = 1; k < layer.inputs.size(); k++)
    if (uses[layer.inputs[k]] != 1) return false;
  return true;
}

void fold_into(ir::Graph &g, int layer_id, const ir::Node &bn) {
  ir::Node &layer = g.nodes[layer_id];
  const auto &gamma = *g.value(bn.inputs[1]).data, &beta = *g.value(bn.inputs[2]).data;
  const auto &mean = *g.value(bn.inputs[3]).data, &var = *g.value(bn.inputs[4]).data;
  const double eps = bn.attrs.get_float("epsilon");
  const size_t channels = gamma.size();

  ir::Value &weight = g.values[layer.inputs[1]];
  std::vector<float> w = *weight.data;
  const size_t per_channel = w.size() / channels;
  std::vector<float> b(channels, 0.0f);
  if (layer.inputs.size() > 2) b = *g.value(layer.inputs[2]).data;
  for (size_t c = 0; c < channels; c++) {
    double s = gamma[c] / std::sqrt(static_cast<double>(var[c]) + eps);
    for (size_t k = 0; k < per_channel; k++) w[c * per_channel + k] = static_cast<float>(w[c * per_channel + k] * s);
    b[c] = static_cast<float>((static_cast<double>(b[c]) - mean[c]) * s + beta[c]);
  }
  weight.data = std::make_shared<const std::vector<float>>(std::move(w));
  if (layer.inputs.size() > 2) {
    g.values[layer.inputs[2]].data = std::make_shared<const std::vector<float>>(std::move(b));
  } else {
    std::string name = layer.name + ".bias";
    for (int k = 2; g.find_value(name) >= 0; k++) name = layer.name + ".bias" + std::to_string(k);
    int bias = g.add_param(name, {ir::DType::F32, {static_cast<int64_t>(channels)}}, std::move(b));
    g.nodes[layer_id].inputs.push_back(bias);
    g.nodes[layer_id].attrs.set("use_bias", int64_t{1});
  }
}

}  // namespace

ir::Graph fold_batchnorm(const ir::Graph &input) {
  ir::Graph g = input;
  std::vector<int> uses = use_counts(g);
  std::vector<bool> keep(g.nodes.size(), true);
  for (size_t i = 0; i < g.nodes.size(); i++) {
    uses.resize(g.values.size(), 1);  // biases added by earlier folds have one use
    const ir::Node bn = g.nodes[i];
    if (!foldable(g, bn, uses)) continue;
    int layer_out = bn.inputs[0], bn_out = bn.outputs[0];
    fold_into(g, g.value(layer_out).producer, bn);
    ir::replace_uses(g, bn_out, layer_out);  // readers of the batch norm now read the layer
    keep[i] = false;
  }
  return ir::compact_graph(g, keep);
}

}  // namespace kiln::passes
