#include "ir/graph.h"

#include "ir/errors.h"
#include "ir/op.h"

namespace kiln::ir {

namespace {
void check_new_name(const Graph &g, const std::string &name) {
  if (name.empty()) throw UserError("a value needs a non-empty name");
  if (g.find_value(name) >= 0) throw UserError("the name '" + name + "' is used twice");
}
}  // namespace

int Graph::add_input(const std::string &name, TensorType type) {
  check_new_name(*this, name);
  for (int64_t d : type.shape)
    if (d <= 0)
      throw UserError("input '" + name + "': every dimension must be positive, got " +
                      shape_str(type.shape));
  values.push_back({name, std::move(type), ValueKind::Input, -1, nullptr});
  inputs.push_back(static_cast<int>(values.size()) - 1);
  return inputs.back();
}

int Graph::add_param(const std::string &name, TensorType type, std::vector<float> data) {
  check_new_name(*this, name);
  if (static_cast<int64_t>(data.size()) != type.numel())
    throw UserError("parameter '" + name + "' has " + std::to_string(data.size()) +
                    " values but its shape " + shape_str(type.shape) + " needs " +
                    std::to_string(type.numel()));
  auto shared = std::make_shared<const std::vector<float>>(std::move(data));
  values.push_back({name, std::move(type), ValueKind::Param, -1, std::move(shared)});
  return static_cast<int>(values.size()) - 1;
}

int Graph::add_node(const std::string &op, const std::string &name, std::vector<int> in,
                    Attrs attrs) {
  const std::string where = "node '" + name + "'";
  if (find_node(name) >= 0) throw UserError(where + ": the node name is used twice");
  const OpDef &def = get_op(op);
  Node node{name, op, std::move(in), {}, normalize_attrs(def, attrs, where)};

  check_input_count(def, node.inputs.size(), where);
  for (int v : node.inputs)
    if (v < 0 || v >= static_cast<int>(values.size()))
      throw InternalError(where + ": input value id " + std::to_string(v) + " out of range");

  std::vector<TensorType> out_types;
  try {
    out_types = def.infer(node.attrs, input_types(node));
  } catch (const UserError &e) {
    throw UserError(where + " (" + op + "): " + e.what());
  }
  int node_id = static_cast<int>(nodes.size());
  for (size_t k = 0; k < out_types.size(); k++) {
    std::string vname = out_types.size() == 1 ? name : name + ":" + std::to_string(k);
    check_new_name(*this, vname);
    values.push_back({vname, out_types[k], ValueKind::Activation, node_id, nullptr});
    node.outputs.push_back(static_cast<int>(values.size()) - 1);
  }
  nodes.push_back(std::move(node));
  return node_id;
}

void Graph::mark_output(int value_id) { outputs.push_back(value_id); }

int Graph::find_value(const std::string &n) const {
  for (size_t i = 0; i < values.size(); i++)
    if (values[i].name == n) return static_cast<int>(i);
  return -1;
}

int Graph::find_node(const std::string &n) const {
  for (size_t i = 0; i < nodes.size(); i++)
    if (nodes[i].name == n) return static_cast<int>(i);
  return -1;
}

std::vector<TensorType> Graph::input_types(const Node &n) const {
  std::vector<TensorType> types;
  for (int v : n.inputs) types.push_back(values.at(v).type);
  return types;
}

std::vector<int> Graph::param_ids() const {
  std::vector<int> ids;
  for (size_t i = 0; i < values.size(); i++)
    if (values[i].kind == ValueKind::Param) ids.push_back(static_cast<int>(i));
  return ids;
}

int64_t Graph::param_count() const {
  int64_t n = 0;
  for (int id : param_ids()) n += values[id].type.numel();
  return n;
}

}  // namespace kiln::ir
