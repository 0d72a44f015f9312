#include "tune/kernel_desc.h"

#include <algorithm>

#include "codegen/hash.h"
#include "ir/errors.h"
#include "ir/ops/winograd.h"

namespace kiln::tune {

namespace {

nlohmann::json attr_json(const ir::AttrValue &v) {
  if (auto *i = std::get_if<int64_t>(&v)) return *i;
  if (auto *d = std::get_if<double>(&v)) return *d;
  if (auto *s = std::get_if<std::string>(&v)) return *s;
  return std::get<std::vector<int64_t>>(v);
}

ir::AttrValue attr_from_json(const nlohmann::json &j) {
  if (j.is_number_integer()) return j.get<int64_t>();
  if (j.is_number_float()) return j.get<double>();
  if (j.is_string()) return j.get<std::string>();
  if (j.is_array()) return j.get<std::vector<int64_t>>();
  throw UserError("tuning record: attribute value " + j.dump() + " has no kiln type");
}

// "f32[1x3x8x8]" -> shape {1, 3, 8, 8}
ir::TensorType type_from_str(const std::string &s) {
  if (s.rfind("f32[", 0) != 0 || s.back() != ']')
    throw UserError("tuning record: tensor type '" + s + "' is not f32[AxB...]");
  ir::TensorType t;
  std::string dims = s.substr(4, s.size() - 5);
  size_t at = 0;
  while (at < dims.size()) {
    size_t x = dims.find('x', at);
    if (x == std::string::npos) x = dims.size();
    t.shape.push_back(std::stoll(dims.substr(at, x - at)));
    at = x + 1;
  }
  return t;
}

ir::Attrs without(const ir::Attrs &a, const std::string &name) {
  ir::Attrs out;
  for (const auto &[n, v] : a.all())
    if (n != name) out.set(n, v);
  return out;
}

}  // namespace

KernelDesc describe_kernel(const ir::Graph &g, const ir::Node &node) {
  KernelDesc k{node.name, node.op, node.attrs, g.input_types(node), {}, false};
  for (int v : node.outputs) k.outputs.push_back(g.value(v).type);
  if (node.op != "conv2d" || k.inputs.size() < 2) return k;
  if (ir::ops::weights_pretransformed(node.attrs)) {
    // U is {alpha, alpha, C, K}; the filter was {K, C, 3, 3}.
    const ir::Shape u = k.inputs[1].shape;
    k.inputs[1].shape = {u[3], u[2], 3, 3};
    k.attrs = without(node.attrs, "weights_pretransformed");
    k.pretransform_winograd = true;
    return k;
  }
  // What pretransform-winograd checks (passes/pretransform_winograd.cpp).
  const ir::Value &w = g.value(node.inputs[1]);
  k.pretransform_winograd =
      g.updates.empty() && w.kind == ir::ValueKind::Param && w.data &&
      std::find(g.outputs.begin(), g.outputs.end(), node.inputs[1]) == g.outputs.end();
  return k;
}

nlohmann::json kernel_json(const KernelDesc &k) {
  nlohmann::json j;
  j["op"] = k.op;
  j["attrs"] = nlohmann::json::object();
  for (const auto &[name, v] : k.attrs.all()) j["attrs"][name] = attr_json(v);
  j["inputs"] = nlohmann::json::array();
  for (const auto &t : k.inputs) j["inputs"].push_back(ir::type_str(t));
  j["outputs"] = nlohmann::json::array();
  for (const auto &t : k.outputs) j["outputs"].push_back(ir::type_str(t));
  return j;
}

KernelDesc kernel_from_json(const nlohmann::json &j) {
  KernelDesc k;
  k.op = j.at("op").get<std::string>();
  k.name = j.value("name", k.op);
  for (const auto &[name, v] : j.at("attrs").items()) k.attrs.set(name, attr_from_json(v));
  for (const auto &t : j.at("inputs")) k.inputs.push_back(type_from_str(t.get<std::string>()));
  for (const auto &t : j.at("outputs")) k.outputs.push_back(type_from_str(t.get<std::string>()));
  return k;
}

std::string record_key(const KernelDesc &k, const std::string &target) {
  KernelDesc keyed = k;
  if (k.op == "conv2d") keyed.attrs = without(k.attrs, "algorithm");
  return codegen::content_hash("kiln-tuning-key 2\n" + kernel_json(keyed).dump() + "\ntarget " +
                               target);
}

ir::Graph one_node_graph(const KernelDesc &k) {
  ir::Graph g;
  g.name = "tune_kernel";
  std::vector<int> ids;
  for (size_t i = 0; i < k.inputs.size(); i++)
    ids.push_back(g.add_input("in" + std::to_string(i), k.inputs[i]));
  g.add_node(k.op, "kernel", ids, k.attrs);
  if (g.input_types(g.node(0)) != k.inputs)
    throw InternalError("rebuilding kernel '" + k.name + "' changed its input types");
  return g;
}

}  // namespace kiln::tune
