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

namespace {

// Filled at static initialization by KILN_REF_KERNEL in the kernel files;
// constructed on first use so registration order does not matter.
std::map<std::string, RefKernel64> &float64_table() {
  static std::map<std::string, RefKernel64> table;
  return table;
}

void check_shape(const ir::Value &v, const ir::Shape &shape, const char *what) {
  if (shape != v.type.shape)
    throw UserError(std::string(what) + " '" + v.name + "' must have shape " +
                    ir::shape_str(v.type.shape) + ", got " + ir::shape_str(shape));
}

}  // namespace

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

RefKernel64 ref_kernel64(const std::string &op) {
  auto it = float64_table().find(op);
  return it == float64_table().end() ? nullptr : it->second;
}

bool register_ref_kernel64(const std::string &op, RefKernel64 kernel) {
  float64_table()[op] = kernel;
  return true;
}

std::vector<Tensor> run_node(const ir::Node &node, const std::vector<const Tensor *> &inputs) {
  return ref_kernel(node.op)(node, inputs);
}

std::vector<Tensor64> run_node(const ir::Node &node, const std::vector<const Tensor64 *> &inputs) {
  if (RefKernel64 k = ref_kernel64(node.op)) return k(node, inputs);
  // A float32-only kernel: round the inputs, widen the outputs.
  std::vector<Tensor> narrow;
  narrow.reserve(inputs.size());
  for (const Tensor64 *t : inputs) narrow.push_back(tensor_cast<float>(*t));
  std::vector<const Tensor *> ptrs;
  for (const Tensor &t : narrow) ptrs.push_back(&t);
  std::vector<Tensor64> out;
  for (const Tensor &t : run_node(node, ptrs)) out.push_back(tensor_cast<double>(t));
  return out;
}

template <typename T>
std::vector<BasicTensor<T>> evaluate(const ir::Graph &g, const std::map<int, BasicTensor<T>> &given) {
  std::vector<BasicTensor<T>> values(g.values.size());
  std::vector<bool> ready(g.values.size(), false);
  for (const auto &[id, t] : given) {
    if (id < 0 || id >= static_cast<int>(g.values.size()))
      throw InternalError("evaluate: value id " + std::to_string(id) + " out of range");
    const ir::Value &v = g.value(id);
    if (v.kind == ir::ValueKind::Activation)
      throw UserError("evaluate: '" + v.name + "' is computed by the graph and cannot be given");
    check_shape(v, t.shape, v.kind == ir::ValueKind::Input ? "input" : "parameter");
    if (t.numel() != v.type.numel())
      throw UserError("evaluate: '" + v.name + "' has " + std::to_string(t.numel()) + " elements");
    values[id] = t;
    ready[id] = true;
  }
  for (int id : g.inputs)
    if (!ready[id]) throw UserError("input '" + g.value(id).name + "' is not given");
  for (int id : g.param_ids())
    if (!ready[id]) {
      const ir::Value &v = g.value(id);
      values[id] = BasicTensor<T>(v.type.shape, std::vector<T>(v.data->begin(), v.data->end()));
      ready[id] = true;
    }
  for (const ir::Node &n : g.nodes) {
    std::vector<const BasicTensor<T> *> in;
    for (int v : n.inputs) {
      if (!ready[v])
        throw InternalError("node '" + n.name + "' reads '" + g.value(v).name + "', which has no value yet");
      in.push_back(&values[v]);
    }
    std::vector<BasicTensor<T>> out = run_node(n, in);
    if (out.size() != n.outputs.size())
      throw InternalError("the reference kernel of '" + n.op + "' gave " + std::to_string(out.size()) +
                          " outputs, node '" + n.name + "' has " + std::to_string(n.outputs.size()));
    for (size_t k = 0; k < out.size(); k++) {
      values[n.outputs[k]] = std::move(out[k]);
      ready[n.outputs[k]] = true;
    }
  }
  return values;
}

template std::vector<Tensor> evaluate(const ir::Graph &, const std::map<int, Tensor> &);
template std::vector<Tensor64> evaluate(const ir::Graph &, const std::map<int, Tensor64> &);

template <typename T>
std::map<int, BasicTensor<T>> updated_params(const ir::Graph &g,
                                             const std::vector<BasicTensor<T>> &values) {
  std::map<int, BasicTensor<T>> out;
  for (const ir::Update &u : g.updates) out[u.param] = values.at(u.value);
  return out;
}

template std::map<int, Tensor> updated_params(const ir::Graph &, const std::vector<Tensor> &);
template std::map<int, Tensor64> updated_params(const ir::Graph &, const std::vector<Tensor64> &);

std::vector<Tensor> run_graph(const ir::Graph &g, const std::vector<Tensor> &inputs) {
  if (inputs.size() != g.inputs.size())
    throw UserError("the model takes " + std::to_string(g.inputs.size()) + " inputs, got " +
                    std::to_string(inputs.size()));
  std::map<int, Tensor> given;
  for (size_t k = 0; k < inputs.size(); k++) {
    const ir::Value &v = g.value(g.inputs[k]);
    if (inputs[k].shape != v.type.shape || inputs[k].numel() != v.type.numel())
      throw UserError("input '" + v.name + "' must have shape " + ir::shape_str(v.type.shape) +
                      ", got " + ir::shape_str(inputs[k].shape));
    given[g.inputs[k]] = inputs[k];
  }
  std::vector<Tensor> values = evaluate(g, given);
  std::vector<Tensor> out;
  for (int id : g.outputs) out.push_back(values[id]);
  return out;
}

}  // namespace kiln::reference
