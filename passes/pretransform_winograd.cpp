#include "passes/pretransform_winograd.h"

#include <algorithm>
#include <cstdio>

#include "ir/ops/winograd.h"
#include "ir/graph_rebuild.h"

namespace kiln::passes {

namespace {

// "1.50 MiB" or "12.3 KiB" for a count of float32s.
std::string mib(int64_t floats) {
  char buf[32];
  double bytes = static_cast<double>(floats) * 4;
  if (bytes >= 1024.0 * 1024.0)
    std::snprintf(buf, sizeof buf, "%.2f MiB", bytes / (1024.0 * 1024.0));
  else
    std::snprintf(buf, sizeof buf, "%.1f KiB", bytes / 1024.0);
  return buf;
}

// The tile m when `n` is a Winograd conv2d whose weight this pass may
// replace; 0 otherwise.
int transformable(const ir::Graph &g, const ir::Node &n) {
  if (n.op != "conv2d" || !n.attrs.has("algorithm")) return 0;
  if (ir::ops::weights_pretransformed(n.attrs)) return 0;
  int m = ir::ops::winograd_tile(n.attrs.get_string("algorithm"));
  if (m == 0 || n.inputs.size() < 2) return 0;
  const ir::Value &w = g.value(n.inputs[1]);
  if (w.kind != ir::ValueKind::Param || !w.data) return 0;
  if (std::find(g.outputs.begin(), g.outputs.end(), n.inputs[1]) != g.outputs.end()) return 0;
  return m;
}

std::string unique_name(const ir::Graph &g, const std::string &base) {
  std::string name = base;
  for (int k = 2; g.find_value(name) >= 0; k++) name = base + std::to_string(k);
  return name;
}

}  // namespace

ir::Graph pretransform_winograd(const ir::Graph &input, std::vector<std::string> *notes) {
  // A training graph updates its parameters between calls.
  if (!input.updates.empty()) {
    if (notes) notes->push_back("training graph: weights change between calls, left as they are");
    return input;
  }
  ir::Graph g = input;
  int64_t before = 0, after = 0;
  int count = 0;
  for (size_t i = 0; i < g.nodes.size(); i++) {
    int m = transformable(g, g.nodes[i]);
    if (m == 0) continue;
    ir::Node &conv = g.nodes[i];
    const ir::Value w = g.value(conv.inputs[1]);  // a copy: add_param may move values
    const int64_t K = w.type.shape[0], C = w.type.shape[1];
    std::vector<float> u = ir::ops::winograd_transform_weights(m, *w.data, K, C);
    const int64_t u_size = static_cast<int64_t>(u.size());
    int id = g.add_param(unique_name(g, w.name + ".winograd_f" + std::to_string(m)),
                         {ir::DType::F32, ir::ops::winograd_weight_shape(m, C, K)}, std::move(u));
    g.nodes[i].inputs[1] = id;
    g.nodes[i].attrs.set("weights_pretransformed", int64_t{1});
    before += w.type.numel();
    after += u_size;
    count++;
    if (notes)
      notes->push_back(g.nodes[i].name + ": weight " + w.name + " " + mib(w.type.numel()) +
                       " -> Winograd F" + std::to_string(m) + " filter " + mib(u_size) + " (" +
                       (m == 2 ? "16/9" : "4") + "x)");
  }
  if (notes && count)
    notes->push_back(std::to_string(count) + " conv" + (count > 1 ? "s" : "") +
                     " pretransformed: their weights grow from " + mib(before) + " to " +
                     mib(after) + " (+" + mib(after - before) + " in the library)");
  // Drops the original weights nothing reads any more.
  return ir::compact_graph(g, std::vector<bool>(g.nodes.size(), true));
}

}  // namespace kiln::passes
