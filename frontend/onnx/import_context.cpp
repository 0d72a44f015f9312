#include "frontend/onnx/import_context.h"

#include <algorithm>

#include "frontend/onnx/tensor_proto.h"

namespace kiln::frontend::onnx_import {

namespace {

std::string join(const std::vector<std::string> &names) {
  std::string s;
  for (const auto &n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

}  // namespace

int ImportContext::materialize(const std::string &name) {
  ImportedValue &v = values.at(name);
  if (v.id >= 0) return v.id;
  if (!v.unavailable.empty()) throw Unsupported(source + ": " + v.unavailable, "", name);
  if (!v.constant) throw InternalError("value '" + name + "' has neither a kiln value nor data");
  if (!v.constant->is_float())
    throw UserError(source + ": the " + dtype_name(v.constant->dtype) + " tensor '" + name +
                    "' is used as data, but kiln computes in float32 only");
  // A scalar becomes a one-element tensor: it broadcasts the same way.
  ir::Shape shape = v.constant->shape.empty() ? ir::Shape{1} : v.constant->shape;
  for (int64_t d : shape)
    if (d == 0) throw Unsupported(source + ": the constant '" + name + "' is empty", "");
  v.id = graph.add_param(unique_name(name), {ir::DType::F32, shape}, v.constant->floats());
  return v.id;
}

std::string ImportContext::unique_name(const std::string &base) const {
  auto taken = [&](const std::string &n) {
    return graph.find_value(n) >= 0 || graph.find_node(n) >= 0;
  };
  if (!taken(base)) return base;
  for (int k = 2;; k++)
    if (!taken(base + "_" + std::to_string(k))) return base + "_" + std::to_string(k);
}

std::string NodeContext::where() const {
  std::string name = node_.name();
  for (int k = 0; name.empty() && k < node_.output_size(); k++) name = node_.output(k);
  return ctx_.source + ": node '" + name + "' (" + op_type() + ", opset " +
         std::to_string(ctx_.opset) + ")";
}

void NodeContext::fail(const std::string &message) const {
  throw UserError(where() + ": " + message);
}

void NodeContext::unsupported(const std::string &message) const {
  throw Unsupported(where() + ": not supported: " + message, op_type());
}

void NodeContext::expect_attrs(const std::vector<std::string> &known) const {
  for (const auto &a : node_.attribute())
    if (std::find(known.begin(), known.end(), a.name()) == known.end())
      unsupported("the attribute '" + a.name() + "'" +
                  (known.empty() ? " (kiln reads none)" : " (kiln reads " + join(known) + ")"));
}

namespace {
const onnx::AttributeProto *find_attr(const onnx::NodeProto &node, const std::string &name) {
  for (const auto &a : node.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}
}  // namespace

bool NodeContext::has_attr(const std::string &name) const {
  return find_attr(node_, name) != nullptr;
}

int64_t NodeContext::attr_int(const std::string &name, std::optional<int64_t> fallback) const {
  const onnx::AttributeProto *a = find_attr(node_, name);
  if (!a) {
    if (!fallback) fail("the attribute '" + name + "' is required");
    return *fallback;
  }
  if (a->type() != onnx::AttributeProto::INT) fail("the attribute '" + name + "' must be an int");
  return a->i();
}

double NodeContext::attr_float(const std::string &name, std::optional<double> fallback) const {
  const onnx::AttributeProto *a = find_attr(node_, name);
  if (!a) {
    if (!fallback) fail("the attribute '" + name + "' is required");
    return *fallback;
  }
  if (a->type() == onnx::AttributeProto::INT) return static_cast<double>(a->i());
  if (a->type() != onnx::AttributeProto::FLOAT)
    fail("the attribute '" + name + "' must be a float");
  return a->f();
}

std::string NodeContext::attr_string(const std::string &name,
                                     std::optional<std::string> fallback) const {
  const onnx::AttributeProto *a = find_attr(node_, name);
  if (!a) {
    if (!fallback) fail("the attribute '" + name + "' is required");
    return *fallback;
  }
  if (a->type() != onnx::AttributeProto::STRING)
    fail("the attribute '" + name + "' must be a string");
  return a->s();
}

std::vector<int64_t> NodeContext::attr_ints(const std::string &name,
                                            std::optional<std::vector<int64_t>> fallback) const {
  const onnx::AttributeProto *a = find_attr(node_, name);
  if (!a) {
    if (!fallback) fail("the attribute '" + name + "' is required");
    return *fallback;
  }
  if (a->type() == onnx::AttributeProto::INT) return {a->i()};
  if (a->type() != onnx::AttributeProto::INTS) fail("the attribute '" + name + "' must be ints");
  return {a->ints().begin(), a->ints().end()};
}

std::vector<double> NodeContext::attr_floats(const std::string &name) const {
  const onnx::AttributeProto *a = find_attr(node_, name);
  if (!a) fail("the attribute '" + name + "' is required");
  if (a->type() == onnx::AttributeProto::FLOAT) return {a->f()};
  if (a->type() != onnx::AttributeProto::FLOATS)
    fail("the attribute '" + name + "' must be floats");
  return {a->floats().begin(), a->floats().end()};
}

ConstTensor NodeContext::attr_tensor(const std::string &name) const {
  const onnx::AttributeProto *a = find_attr(node_, name);
  if (!a) fail("the attribute '" + name + "' is required");
  if (a->type() != onnx::AttributeProto::TENSOR)
    fail("the attribute '" + name + "' must be a tensor");
  return tensor_from_proto(a->t(), ctx_.base_dir, where() + ": attribute '" + name + "'");
}

size_t NodeContext::num_inputs() const {
  size_t n = node_.input_size();
  while (n > 0 && node_.input(static_cast<int>(n) - 1).empty()) n--;
  return n;
}

bool NodeContext::has_input(size_t k) const {
  return k < static_cast<size_t>(node_.input_size()) && !node_.input(static_cast<int>(k)).empty();
}

const ImportedValue &NodeContext::input_entry(size_t k) const {
  if (!has_input(k)) fail("input " + std::to_string(k) + " is missing");
  const std::string &name = node_.input(static_cast<int>(k));
  auto it = ctx_.values.find(name);
  if (it == ctx_.values.end())
    fail("input " + std::to_string(k) + " '" + name +
         "' is not defined before this node (a graph input, an initializer or an earlier "
         "node's output)");
  return it->second;
}

bool NodeContext::is_constant(size_t k) const { return has_input(k) && input_entry(k).constant; }

bool NodeContext::all_inputs_constant() const {
  for (size_t k = 0; k < num_inputs(); k++)
    if (has_input(k) && !is_constant(k)) return false;
  return true;
}

const ConstTensor &NodeContext::constant(size_t k, const std::string &what) const {
  const ImportedValue &v = input_entry(k);
  if (v.constant) return *v.constant;
  std::string message = where() + ": not supported: " + what + " (input " + std::to_string(k) +
                        " '" + node_.input(static_cast<int>(k)) +
                        "') is computed at run time; kiln needs it at compile time (an "
                        "initializer or a Constant)";
  throw Unsupported(message, op_type(), v.is_graph_input ? node_.input(static_cast<int>(k)) : "");
}

void NodeContext::expect_value(size_t k) const {
  const ImportedValue &v = input_entry(k);
  if (v.id >= 0) return;
  const std::string &name = node_.input(static_cast<int>(k));
  const std::string input = "input " + std::to_string(k) + " '" + name + "'";
  if (!v.unavailable.empty())
    throw Unsupported(where() + ": not supported: " + v.unavailable, op_type(), name);
  if (!v.constant)
    unsupported(input + " is " + dtype_name(v.dtype) +
                " known only at run time; kiln computes in float32 only");
  if (!v.constant->is_float())
    unsupported(input + " is an " + dtype_name(v.dtype) +
                " constant used as data; kiln computes in float32 only");
}

int NodeContext::value(size_t k) {
  expect_value(k);
  return ctx_.materialize(node_.input(static_cast<int>(k)));
}

ir::Shape NodeContext::shape(size_t k) const {
  const ImportedValue &v = input_entry(k);
  if (v.id < 0 && !v.constant) expect_value(k);  // throws: no shape known
  return v.id >= 0 ? ctx_.graph.value(v.id).type.shape : v.constant->shape;
}

int32_t NodeContext::dtype(size_t k) const { return input_entry(k).dtype; }

int32_t NodeContext::declared_dtype(size_t k) const {
  const ImportedValue &v = input_entry(k);
  return v.declared_dtype ? v.declared_dtype : v.dtype;
}

void NodeContext::expect_float(size_t k) const {
  int32_t t = dtype(k);
  if (!is_float_dtype(t))
    unsupported("input " + std::to_string(k) + " '" + node_.input(static_cast<int>(k)) + "' is " +
                dtype_name(t) + "; kiln computes in float32 only");
}

size_t NodeContext::num_outputs() const {
  size_t n = node_.output_size();
  while (n > 0 && node_.output(static_cast<int>(n) - 1).empty()) n--;
  return n;
}

bool NodeContext::output_used(size_t k) const {
  return k < static_cast<size_t>(node_.output_size()) && !output_name(k).empty() &&
         ctx_.consumed.count(output_name(k));
}

void NodeContext::set_output(size_t k, int value_id) {
  ImportedValue v;
  v.id = value_id;
  v.dtype = kFloat;
  ctx_.values[output_name(k)] = v;
}

void NodeContext::set_constant(size_t k, ConstTensor t) {
  ImportedValue v;
  v.dtype = t.dtype;
  v.constant = std::make_shared<const ConstTensor>(std::move(t));
  ctx_.values[output_name(k)] = v;
}

int NodeContext::emit(const std::string &op, std::vector<int> inputs, ir::Attrs attrs,
                      const std::string &suffix) {
  std::string base = output_name(0) + (suffix.empty() ? "" : ":" + suffix);
  std::string name = ctx_.unique_name(base);
  try {
    int node = ctx_.graph.add_node(op, name, std::move(inputs), std::move(attrs));
    return ctx_.graph.node(node).outputs.at(0);
  } catch (const Unsupported &) {
    throw;
  } catch (const UserError &e) {
    fail(std::string("kiln's ") + op + ": " + e.what());
  }
}

int NodeContext::add_param(const std::string &suffix, const ir::Shape &shape,
                           std::vector<float> data) {
  return ctx_.graph.add_param(ctx_.unique_name(output_name(0) + ":" + suffix),
                              {ir::DType::F32, shape}, std::move(data));
}

int NodeContext::reshape(int value, const ir::Shape &shape, const std::string &suffix) {
  if (ctx_.graph.value(value).type.shape == shape) return value;
  ir::Attrs a;
  a.set("shape", std::vector<int64_t>(shape));
  return emit("reshape", {value}, a, suffix);
}

}  // namespace kiln::frontend::onnx_import
