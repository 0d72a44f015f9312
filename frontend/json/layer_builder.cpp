#include "frontend/json/layer_builder.h"

#include <algorithm>

#include "frontend/json/attr_parse.h"
#include "ir/errors.h"
#include "ir/ops/scalar_activations.h"

namespace kiln::frontend {

namespace {

using nlohmann::json;

// Kiln's limit on one parameter: Halide buffers index with 32-bit integers.
constexpr int64_t kMaxParamElements = (int64_t{1} << 31) - 1;

std::vector<std::string> known_fields(const ir::OpDef &def, bool in_sequence) {
  std::vector<std::string> fields = {"type", "name"};
  if (!in_sequence) fields.push_back("inputs");
  if (def.takes_activation) fields.push_back("activation");
  for (const ir::AttrSpec &a : def.attrs)
    if (!a.internal) fields.push_back(a.name);
  return fields;
}

std::vector<std::string> ops_taking_activation() {
  std::vector<std::string> ops;
  for (const auto &name : ir::op_names())
    if (ir::get_op(name).takes_activation) ops.push_back(name);
  return ops;
}

// The activation op the layer asks for, or "".
std::string parse_activation(const ir::OpDef &def, const json &layer, const SpecErrors &errors,
                             const std::string &path) {
  if (!layer.contains("activation")) return "";
  std::string field = json_field(path, "activation");
  if (!def.takes_activation)
    errors.fail(field, def.name + " does not take the activation shorthand (only " +
                           join_names(ops_taking_activation()) +
                           " do); add a separate layer such as {\"type\": \"relu\"}");
  const json &v = layer["activation"];
  const auto &known = activation_names();
  if (!v.is_string() || std::find(known.begin(), known.end(), v.get<std::string>()) == known.end())
    errors.fail(field, "expected one of " + join_names(known) + ", got " + json_excerpt(v));
  return v.get<std::string>();
}

// The spec gives an op its required data inputs (the last may be variadic);
// parameters come from the op's `params`, and optional data inputs (conv2d's
// fused residual) are set by passes only.
std::vector<const ir::InputSpec *> spec_inputs(const ir::OpDef &def) {
  std::vector<const ir::InputSpec *> data;
  for (const ir::InputSpec &in : def.inputs)
    if (!in.is_param && !in.optional) data.push_back(&in);
  return data;
}

void check_input_count(const ir::OpDef &def, size_t given, const LayerSite &site,
                       const SpecErrors &errors) {
  std::vector<const ir::InputSpec *> data = spec_inputs(def);
  bool variadic = !data.empty() && data.back()->variadic;
  if (given == data.size() || (variadic && given > data.size())) return;
  std::vector<std::string> names;
  for (const ir::InputSpec *in : data) names.push_back(in->name + (in->variadic ? "..." : ""));
  std::string message = def.name + " takes " + std::to_string(data.size()) +
                        (variadic ? " or more" : "") +
                        (data.size() == 1 && !variadic ? " input" : " inputs") + " (" +
                        join_names(names) + "), got " + std::to_string(given);
  if (site.in_sequence)
    errors.fail(site.path, message +
                               "; a layer in a sequential list reads only the previous layer's "
                               "output, so use the graph form (\"nodes\") for this one");
  errors.fail(json_field(site.path, "inputs"), message);
}

// The node's inputs in the op's input order: `given` for the data inputs,
// and for the parameter inputs, the parameters (-1: not created yet).
std::vector<int> order_inputs(const ir::OpDef &def, const std::vector<int> &given,
                              const std::vector<ir::ParamSpec> &params,
                              std::vector<size_t> *param_slot) {
  std::vector<int> order;
  size_t next = 0;
  for (const ir::InputSpec &in : def.inputs) {
    if (in.is_param) {
      for (size_t k = 0; k < params.size(); k++) {
        if (params[k].input != in.name) continue;
        param_slot->at(k) = order.size();
        order.push_back(-1);
      }
    } else if (in.variadic) {
      while (next < given.size()) order.push_back(given[next++]);
    } else if (!in.optional) {
      order.push_back(given.at(next++));
    }
  }
  for (size_t k = 0; k < params.size(); k++)
    if (param_slot->at(k) == SIZE_MAX)
      throw InternalError(def.name + ": params() names '" + params[k].input +
                          "', which is not a parameter input");
  return order;
}

// Whether a shape has at most kMaxParamElements elements (without overflow).
bool within_limit(const ir::Shape &shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d > 0 && n > kMaxParamElements / d)) return false;
    n *= d;
  }
  return n <= kMaxParamElements;
}

// Runs the op's shape rule before any parameter is allocated, so that a bad
// attribute (a negative filter count) is reported rather than allocated.
void check_shapes(const SpecGraph &spec, const ir::OpDef &def, const ir::Attrs &attrs,
                  const LayerSite &site, const std::vector<int> &order,
                  const std::vector<ir::ParamSpec> &params, const std::vector<size_t> &param_slot) {
  std::vector<ir::TensorType> types;
  for (int v : order) types.push_back(v >= 0 ? spec.graph.value(v).type : ir::TensorType{});
  for (size_t k = 0; k < params.size(); k++) types[param_slot[k]].shape = params[k].shape;
  def.infer(attrs, types);
  for (size_t k = 0; k < params.size(); k++)
    if (!within_limit(params[k].shape))
      throw UserError("the parameter '" + site.name + "." + params[k].input +
                      "' would have the shape " + ir::shape_str(params[k].shape) +
                      ", more elements than kiln's limit of 2^31 - 1");
}

}  // namespace

const std::vector<std::string> &activation_names() {
  // The first four as before, then the other scalar activations (with their
  // default attributes; a separate layer sets them).
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n = {"relu", "sigmoid", "tanh", "softmax"};
    for (const std::string &a : ir::ops::scalar_activation_names())
      if (std::find(n.begin(), n.end(), a) == n.end()) n.push_back(a);
    return n;
  }();
  return names;
}

int add_op_layer(SpecGraph &spec, const ir::OpDef &def, const json &layer, const LayerSite &site,
                 const std::vector<int> &inputs) {
  const SpecErrors &errors = spec.errors;
  const std::string label = site.path + " (" + def.name + " '" + site.name + "')";
  std::string activation = parse_activation(def, layer, errors, site.path);
  errors.check_fields(layer, site.path, known_fields(def, site.in_sequence), def.name);
  check_input_count(def, inputs.size(), site, errors);
  ir::Attrs attrs = parse_layer_attrs(def, layer, errors, site.path, label);

  ir::Graph &g = spec.graph;
  try {
    std::vector<ir::ParamSpec> params;
    if (def.params) params = def.params(attrs, g.value(inputs.at(0)).type);
    std::vector<size_t> param_slot(params.size(), SIZE_MAX);
    std::vector<int> order = order_inputs(def, inputs, params, &param_slot);
    try {
      check_shapes(spec, def, attrs, site, order, params, param_slot);
    } catch (const UserError &e) {
      // Worded as ir::Graph::add_node words its own shape errors.
      throw UserError("node '" + site.name + "' (" + def.name + "): " + e.what());
    }
    for (size_t k = 0; k < params.size(); k++) {
      std::string name = site.name + "." + params[k].input;
      order[param_slot[k]] = g.add_param(name, {ir::DType::F32, params[k].shape},
                                         init_param(params[k], name, spec.scheme, spec.seed));
    }
    int out = g.nodes[g.add_node(def.name, site.name, order, attrs)].outputs.at(0);
    if (activation.empty()) return out;
    return g.nodes[g.add_node(activation, site.name + "." + activation, {out}, {})].outputs.at(0);
  } catch (const UserError &e) {
    throw UserError(errors.where(label) + ": " + e.what());
  }
}

}  // namespace kiln::frontend
