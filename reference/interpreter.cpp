#include "reference/interpreter.h"

#include <map>
#include <string>

#include "ir/errors.h"

namespace kiln::reference {

namespace ops {
#define KILN_OP(name) std::vector<Tensor> ref_##name(const ir::Node &, const std::vector<const Tensor *> &);
#include "ir/ops/op_list.def"
#undef KILN_OP
}  // namespace ops

RefKernel ref_kernel(const std::string &op) {
  static const std::map<std::string, RefKernel> table = {
#define KILN_OP(name) {#name, ops::ref_##name},
#include "ir/ops/op_list.def"
#undef KILN_OP
  };
  auto it = table.find(op);
  if (it == table.end()) throw InternalError("no reference kernel for op '" + op + "'");
  return it->second;
}

std::vector<Tensor> run_node(const ir::Node &node, const std::vector<const Tensor *> &inputs) {
  return ref_kernel(node.op)(node, inputs);
}

std::vector<Tensor> run_graph(const ir::Graph &g, const std::vector<Tensor> &inputs) {
  if (inputs.size() != g.inputs.size())
    throw UserError("the model takes " + std::to_string(g.inputs.size()) + " inputs, got " +
                    std::to_string(inputs.size()));
  std::vector<const Tensor *> env(g.values.size(), nullptr);
  std::vector<Tensor> params, computed;
  params.reserve(g.values.size());
  for (size_t k = 0; k < inputs.size(); k++) {
    const ir::Value &v = g.value(g.inputs[k]);
    if (inputs[k].shape != v.type.shape || inputs[k].numel() != v.type.numel())
      throw UserError("input '" + v.name + "' must have shape " + ir::shape_str(v.type.shape) +
                      ", got " + ir::shape_str(inputs[k].shape));
    env[g.inputs[k]] = &inputs[k];
  }
  for (int id : g.param_ids()) {
    params.emplace_back(g.value(id).type.shape, *g.value(id).data);
    env[id] = &params.back();
  }
  // Outputs of every node stay alive until the end: simple beats frugal here.
  std::vector<std::vector<Tensor>> results;
  results.reserve(g.nodes.size());
  for (const ir::Node &n : g.nodes) {
    std::vector<const Tensor *> in;
    for (int v : n.inputs) {
      if (!env[v]) throw InternalError("node '" + n.name + "' reads '" + g.value(v).name + "', which has no value yet");
      in.push_back(env[v]);
    }
    results.push_back(run_node(n, in));
    for (size_t k = 0; k < n.outputs.size(); k++) env[n.outputs[k]] = &results.back()[k];
  }
  std::vector<Tensor> out;
  for (int id : g.outputs) out.push_back(*env[id]);
  return out;
}

}  // namespace kiln::reference
