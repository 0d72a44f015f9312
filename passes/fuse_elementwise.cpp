#include "passes/fuse_elementwise.h"

#include <cmath>
#include <map>

#include "ir/ops/fused_elementwise.h"
#include "ir/graph_rebuild.h"

namespace kiln::passes {

namespace {

using ir::ops::ElementwiseStep;
using ir::ops::Operand;

bool stats_are_params(const ir::Graph &g, const ir::Node &bn) {
  for (size_t k = 1; k < bn.inputs.size(); k++)
    if (g.value(bn.inputs[k]).kind != ir::ValueKind::Param) return false;
  return true;
}

bool fusible(const ir::Graph &g, const ir::Node &n) {
  if (n.outputs.size() != 1) return false;
  const ir::TensorType &out = g.value(n.outputs[0]).type;
  if (n.op == "batch_norm") return out.rank() >= 2 && stats_are_params(g, n);
  if (ir::ops::is_elementwise_activation(n.op)) return true;
  ir::ops::StepKind kind;
  if (!ir::ops::binary_step_kind(n.op, &kind)) return false;
  // Broadcasting operands stay in their own kernel.
  for (int v : n.inputs)
    if (g.value(v).type != out) return false;
  return true;
}

// Per node: the index of the last node of its group (the one whose output
// leaves it), or -1 when it cannot fuse. Walking backwards, every reader of a
// node already has its group.
std::vector<int> find_groups(const ir::Graph &g) {
  std::vector<std::vector<int>> readers(g.values.size());
  std::vector<bool> is_output(g.values.size(), false);
  for (size_t i = 0; i < g.nodes.size(); i++)
    for (int v : g.nodes[i].inputs) readers[v].push_back(static_cast<int>(i));
  for (int v : g.outputs) is_output[v] = true;
  for (const ir::Update &u : g.updates) is_output[u.value] = true;  // kept alive like outputs
  std::vector<int> group(g.nodes.size(), -1);
  for (size_t i = g.nodes.size(); i-- > 0;) {
    if (!fusible(g, g.nodes[i])) continue;
    group[i] = static_cast<int>(i);
    const int out = g.nodes[i].outputs[0];
    if (is_output[out] || readers[out].empty()) continue;
    const int target = group[readers[out][0]];
    bool all_in_target = target >= 0;
    for (int r : readers[out]) all_in_target = all_in_target && group[r] == target;
    if (all_in_target) group[i] = target;
  }
  return group;
}

std::string fresh_name(const ir::Graph &g, const std::string &base) {
  std::string name = base;
  for (int k = 2; g.find_value(name) >= 0; k++) name = base + std::to_string(k);
  return name;
}

// A batch_norm's y = x * scale + shift per channel: the two new parameters.
std::pair<int, int> scale_and_shift(ir::Graph &g, const ir::Node &bn) {
  const auto gamma = g.value(bn.inputs[1]).data, beta = g.value(bn.inputs[2]).data;
  const auto mean = g.value(bn.inputs[3]).data, var = g.value(bn.inputs[4]).data;
  const double eps = bn.attrs.get_float("epsilon");
  std::vector<float> scale(gamma->size()), shift(gamma->size());
  for (size_t c = 0; c < scale.size(); c++) {
    double s = (*gamma)[c] / std::sqrt(static_cast<double>((*var)[c]) + eps);
    scale[c] = static_cast<float>(s);
    shift[c] = static_cast<float>((*beta)[c] - (*mean)[c] * s);
  }
  const ir::TensorType type = g.value(bn.inputs[1]).type;
  int s = g.add_param(fresh_name(g, bn.name + ".scale"), type, std::move(scale));
  int b = g.add_param(fresh_name(g, bn.name + ".shift"), type, std::move(shift));
  return {s, b};
}

// Builds one group's program from its nodes in execution order.
struct ProgramBuilder {
  ir::Graph &g;
  std::vector<int> inputs;     // the fused node's inputs
  std::map<int, int> step_of;  // value id -> the step computing it
  ir::ops::ElementwiseProgram program;

  Operand operand(int value) {
    auto it = step_of.find(value);
    if (it != step_of.end()) return {true, it->second};
    for (size_t k = 0; k < inputs.size(); k++)
      if (inputs[k] == value) return {false, static_cast<int>(k)};
    inputs.push_back(value);
    return {false, static_cast<int>(inputs.size()) - 1};
  }

  void add(const ir::Node &n) {
    ElementwiseStep step;
    if (n.op == "batch_norm") {
      auto [scale, shift] = scale_and_shift(g, n);
      step.op = "scale_shift";
      step.operands = {operand(n.inputs[0]), operand(scale), operand(shift)};
    } else {
      step.op = n.op;
      step.attrs = n.attrs;  // an activation's own attributes
      for (int v : n.inputs) step.operands.push_back(operand(v));
    }
    step_of[n.outputs[0]] = static_cast<int>(program.steps.size());
    program.steps.push_back(std::move(step));
  }
};

}  // namespace

ir::Graph fuse_elementwise(const ir::Graph &input) {
  ir::Graph g = input;
  const std::vector<int> group = find_groups(g);
  std::vector<std::vector<int>> members(g.nodes.size());
  for (size_t i = 0; i < g.nodes.size(); i++)
    if (group[i] >= 0) members[group[i]].push_back(static_cast<int>(i));
  std::vector<bool> keep(g.nodes.size(), true);
  for (size_t last = 0; last < g.nodes.size(); last++) {
    if (members[last].size() < 2) continue;
    ProgramBuilder b{g, {}, {}, {}};
    for (int m : members[last]) {
      b.add(ir::Node(g.nodes[m]));
      keep[m] = m == static_cast<int>(last);
    }
    ir::Node &fused = g.nodes[last];  // keeps its name and output value
    fused.op = "fused_elementwise";
    fused.inputs = b.inputs;
    fused.attrs = ir::Attrs{};
    fused.attrs.set("program", ir::ops::print_program(b.program));
  }
  return ir::compact_graph(g, keep);
}

}  // namespace kiln::passes
