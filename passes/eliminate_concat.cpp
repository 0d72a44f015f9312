#include "passes/eliminate_concat.h"

#include <algorithm>
#include <set>

#include "ir/ops/op_helpers.h"

namespace kiln::passes {

bool is_elided(const ir::Node &n) {
  return n.op == "concat" && n.attrs.has("in_place") && n.attrs.get_int("in_place") != 0;
}

ir::Graph eliminate_concat(const ir::Graph &input) {
  ir::Graph g = input;
  std::set<int> placed;  // values already living inside a concat output
  for (ir::Node &n : g.nodes) {
    if (n.op != "concat") continue;
    const ir::Shape &out = g.value(n.outputs[0]).type.shape;
    int axis = ir::ops::resolve_axis(n.attrs.get_int("axis"), static_cast<int>(out.size()), "concat");
    int64_t outer = 1;
    for (int d = 0; d < axis; d++) outer *= out[d];
    bool ok = outer == 1;
    std::set<int> seen;
    for (int v : n.inputs) {
      const ir::Value &value = g.value(v);
      bool is_output = std::count(g.outputs.begin(), g.outputs.end(), v) > 0;
      ok = ok && value.kind == ir::ValueKind::Activation && !is_output && !placed.count(v) &&
           seen.insert(v).second;
    }
    if (!ok) continue;
    n.attrs.set("in_place", int64_t{1});
    placed.insert(n.inputs.begin(), n.inputs.end());
  }
  return g;
}

}  // namespace kiln::passes
