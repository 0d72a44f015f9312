// The JSON spec loader: walks the spec, creating graph inputs, parameters
// and nodes, and turns every mistake into a UserError that names the file
// and the JSON path of the offending field.
#include "frontend/json/json_spec.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "frontend/json/attr_parse.h"
#include "frontend/json/weight_init.h"
#include "frontend/weights_file.h"
#include "ir/errors.h"
#include "ir/op.h"

namespace kiln::frontend {

namespace {

using nlohmann::json;

const std::set<std::string> kActivations = {"relu", "sigmoid", "tanh", "softmax"};

bool is_c_identifier(const std::string &s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

std::string known_types() {
  std::string list;
  for (const auto &n : ir::op_names()) list += n + ", ";
  return list + "sequential";
}

class SpecBuilder {
 public:
  SpecBuilder(std::string source, std::string base_dir)
      : source_(std::move(source)), base_dir_(std::move(base_dir)) {}

  ir::Graph build(const json &root) {
    if (!root.is_object()) fail("", "expected a JSON object at the top level");
    check_fields(root, "", {"name", "description", "input", "inputs", "layers", "nodes", "outputs", "weights"});
    if (!root.contains("name") || !root["name"].is_string() || !is_c_identifier(root["name"].get<std::string>()))
      fail("name", "expected the model name, a C identifier ([A-Za-z_][A-Za-z0-9_]*)" +
                       (root.contains("name") ? ", got " + root["name"].dump() : std::string(", but it is missing")));
    g_.name = root["name"].get<std::string>();
    std::string weights_file = parse_weights(root);
    parse_inputs(root);

    bool has_layers = root.contains("layers"), has_nodes = root.contains("nodes");
    if (has_layers == has_nodes) fail("", "expected exactly one of \"layers\" (sequential form) or \"nodes\" (graph form)");
    int last = -1;
    if (has_layers) {
      if (g_.inputs.size() != 1) fail("layers", "the sequential form takes exactly one input; use \"nodes\" for more");
      last = add_sequence(root["layers"], "layers", g_.inputs[0], "");
    } else {
      const json &nodes = root["nodes"];
      if (!nodes.is_array() || nodes.empty()) fail("nodes", "expected a non-empty list of nodes");
      for (size_t i = 0; i < nodes.size(); i++) last = add_graph_node(nodes[i], "nodes[" + std::to_string(i) + "]");
    }
    parse_outputs(root, has_layers, last);
    if (!weights_file.empty()) read_weights_into(g_, weights_file);
    return std::move(g_);
  }

 private:
  [[noreturn]] void fail(const std::string &path, const std::string &message) const {
    throw UserError(source_ + ": " + (path.empty() ? "" : path + ": ") + message);
  }

  static std::string join(const std::string &path, const std::string &field) {
    return path.empty() ? field : path + "." + field;
  }

  void check_fields(const json &obj, const std::string &path, const std::set<std::string> &allowed,
                    const std::string &what = "") const {
    for (const auto &[key, value] : obj.items()) {
      if (allowed.count(key)) continue;
      std::string list;
      for (const auto &a : allowed) list += (list.empty() ? "" : ", ") + a;
      fail(join(path, key), "unknown field '" + key + "'" + (what.empty() ? "" : " for " + what) +
                                " (expected one of: " + list + ")");
    }
  }

  std::string parse_weights(const json &root) {
    if (!root.contains("weights")) return "";
    const json &w = root["weights"];
    if (!w.is_object()) fail("weights", "expected {\"init\": \"glorot\"|\"he\", \"seed\": N} or {\"file\": PATH}");
    check_fields(w, "weights", {"init", "seed", "file"});
    if (w.contains("file")) {
      if (w.contains("init") || w.contains("seed")) fail("weights", "give either \"file\" or \"init\"/\"seed\", not both");
      if (!w["file"].is_string()) fail("weights.file", "expected a path, got " + w["file"].dump());
      std::filesystem::path p = w["file"].get<std::string>();
      return (p.is_absolute() ? p : std::filesystem::path(base_dir_) / p).string();
    }
    if (w.contains("init")) {
      const json &init = w["init"];
      if (init == "glorot") scheme_ = InitScheme::Glorot;
      else if (init == "he") scheme_ = InitScheme::He;
      else fail("weights.init", "expected \"glorot\" or \"he\", got " + init.dump());
    }
    if (w.contains("seed")) {
      if (!w["seed"].is_number_unsigned()) fail("weights.seed", "expected a non-negative integer, got " + w["seed"].dump());
      seed_ = w["seed"].get<uint64_t>();
    }
    return "";
  }

  void parse_input(const json &in, const std::string &path) {
    if (!in.is_object()) fail(path, "expected {\"name\": ..., \"shape\": [...]}, got " + in.dump());
    check_fields(in, path, {"name", "shape"});
    if (!in.contains("name") || !in["name"].is_string() || in["name"].get<std::string>().empty())
      fail(join(path, "name"), "expected the input's name");
    const json &shape = in.contains("shape") ? in["shape"] : json();
    ir::TensorType t;
    if (!shape.is_array() || shape.empty()) fail(join(path, "shape"), "expected a list of positive integers, got " + shape.dump());
    for (const auto &d : shape) {
      if (!d.is_number_integer() || d.get<int64_t>() <= 0)
        fail(join(path, "shape"), "expected a list of positive integers, got " + shape.dump());
      t.shape.push_back(d.get<int64_t>());
    }
    std::string name = in["name"].get<std::string>();
    if (names_.count(name)) fail(join(path, "name"), "the name '" + name + "' is used twice");
    names_[name] = g_.add_input(name, t);
  }

  void parse_inputs(const json &root) {
    if (root.contains("input") == root.contains("inputs"))
      fail("", "expected exactly one of \"input\" (one input) or \"inputs\" (a list)");
    if (root.contains("input")) return parse_input(root["input"], "input");
    const json &list = root["inputs"];
    if (!list.is_array() || list.empty()) fail("inputs", "expected a non-empty list of inputs");
    for (size_t i = 0; i < list.size(); i++) parse_input(list[i], "inputs[" + std::to_string(i) + "]");
  }

  void parse_outputs(const json &root, bool sequential, int last) {
    if (!root.contains("outputs")) {
      if (!sequential) fail("outputs", "the graph form needs \"outputs\": a list of node names");
      g_.mark_output(last);
      return;
    }
    const json &outs = root["outputs"];
    if (!outs.is_array() || outs.empty()) fail("outputs", "expected a non-empty list of node names");
    for (size_t i = 0; i < outs.size(); i++) {
      std::string path = "outputs[" + std::to_string(i) + "]";
      if (!outs[i].is_string()) fail(path, "expected a node name, got " + outs[i].dump());
      auto it = names_.find(outs[i].get<std::string>());
      if (it == names_.end()) fail(path, "unknown node '" + outs[i].get<std::string>() + "'");
      g_.mark_output(it->second);
    }
  }

  // A sequential list: each layer takes the previous output. Returns the last.
  int add_sequence(const json &layers, const std::string &path, int input, const std::string &prefix) {
    if (!layers.is_array() || layers.empty()) fail(path, "expected a non-empty list of layers");
    int current = input;
    for (size_t i = 0; i < layers.size(); i++) {
      std::string lpath = path + "[" + std::to_string(i) + "]";
      const json &layer = layers[i];
      if (!layer.is_object()) fail(lpath, "expected a layer object, got " + layer.dump());
      if (layer.contains("inputs")) fail(lpath + ".inputs", "layers of a sequential list take the previous layer's output; use the graph form (\"nodes\") for explicit inputs");
      current = add_layer(layer, lpath, {current}, prefix);
    }
    return current;
  }

  int add_graph_node(const json &node, const std::string &path) {
    if (!node.is_object()) fail(path, "expected a node object, got " + node.dump());
    if (!node.contains("name") || !node["name"].is_string()) fail(join(path, "name"), "expected the node's name (graph-form nodes need one)");
    if (!node.contains("inputs") || !node["inputs"].is_array() || node["inputs"].empty())
      fail(join(path, "inputs"), "expected a non-empty list of input names");
    std::vector<int> inputs;
    for (size_t k = 0; k < node["inputs"].size(); k++) {
      const json &in = node["inputs"][k];
      std::string ipath = join(path, "inputs[" + std::to_string(k) + "]");
      if (!in.is_string()) fail(ipath, "expected a name, got " + in.dump());
      auto it = names_.find(in.get<std::string>());
      if (it == names_.end())
        fail(ipath, "unknown input '" + in.get<std::string>() + "' (nodes must be defined before use)");
      inputs.push_back(it->second);
    }
    return add_layer(node, path, inputs, "");
  }

  std::string layer_name(const json &layer, const std::string &path, const std::string &type,
                         const std::string &prefix) {
    std::string name;
    if (layer.contains("name")) {
      if (!layer["name"].is_string() || layer["name"].get<std::string>().empty())
        fail(join(path, "name"), "expected a non-empty string, got " + layer["name"].dump());
      name = prefix + layer["name"].get<std::string>();
      if (names_.count(name) || g_.find_value(name) >= 0) fail(join(path, "name"), "the name '" + name + "' is used twice");
      return name;
    }
    do name = prefix + type + "_" + std::to_string(++counters_[type]);
    while (names_.count(name) || g_.find_value(name) >= 0);
    return name;
  }

  // One layer or node: its attributes, parameters, node and activation.
  int add_layer(const json &layer, const std::string &path, const std::vector<int> &inputs,
                const std::string &prefix) {
    if (!layer.contains("type") || !layer["type"].is_string())
      fail(join(path, "type"), "expected the layer type (one of: " + known_types() + ")");
    const std::string type = layer["type"].get<std::string>();
    const std::string name = layer_name(layer, path, type, prefix);
    if (type == "sequential") {
      check_fields(layer, path, {"type", "name", "inputs", "layers"}, "sequential");
      if (inputs.size() != 1) fail(join(path, "inputs"), "a sequential block takes exactly one input");
      if (!layer.contains("layers")) fail(path, "a sequential block needs \"layers\"");
      int out = add_sequence(layer["layers"], join(path, "layers"), inputs[0], name + ".");
      names_[name] = out;
      return out;
    }
    const ir::OpDef *def = ir::find_op(type);
    if (!def) fail(join(path, "type"), "unknown layer type \"" + type + "\" (known: " + known_types() + ")");

    std::set<std::string> allowed = {"type", "name", "inputs"};
    if (def->takes_activation) allowed.insert("activation");
    for (const auto &a : def->attrs)
      if (!a.internal) allowed.insert(a.name);
    check_fields(layer, path, allowed, type);
    ir::Attrs attrs;
    for (const auto &spec : def->attrs)
      if (!spec.internal && layer.contains(spec.name)) attrs.set(spec.name, parse_attr(spec, layer[spec.name], source_ + ": " + join(path, spec.name)));
    std::string where = source_ + ": " + path + " (" + type + " '" + name + "')";
    attrs = ir::normalize_attrs(*def, attrs, where);

    std::vector<int> node_inputs = inputs;
    try {
      if (def->params) {
        for (const ir::ParamSpec &p : def->params(attrs, g_.value(inputs[0]).type)) {
          std::string pname = name + "." + p.input;
          node_inputs.push_back(g_.add_param(pname, {ir::DType::F32, p.shape}, init_param(p, pname, scheme_, seed_)));
        }
      }
      int node = g_.add_node(type, name, node_inputs, attrs);
      int out = g_.nodes[node].outputs[0];
      if (layer.contains("activation")) out = add_activation(layer["activation"], path, name, out);
      names_[name] = out;
      return out;
    } catch (const UserError &e) {
      std::string msg = e.what();
      if (msg.rfind(source_ + ": ", 0) == 0) throw;
      throw UserError(where + ": " + msg);
    }
  }

  int add_activation(const json &act, const std::string &path, const std::string &name, int input) {
    if (!act.is_string() || !kActivations.count(act.get<std::string>()))
      fail(join(path, "activation"), "expected one of \"relu\", \"sigmoid\", \"tanh\", \"softmax\", got " + act.dump());
    std::string op = act.get<std::string>();
    int node = g_.add_node(op, name + "." + op, {input}, {});
    return g_.nodes[node].outputs[0];
  }

  std::string source_, base_dir_;
  ir::Graph g_;
  std::map<std::string, int> names_;  // spec names -> value ids
  std::map<std::string, int> counters_;
  InitScheme scheme_ = InitScheme::Glorot;
  uint64_t seed_ = 0;
};

}  // namespace

ir::Graph parse_json_spec(const std::string &text, const std::string &source, const std::string &base_dir) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::parse_error &e) {
    std::string msg = e.what();
    if (auto p = msg.find("] "); p != std::string::npos) msg = msg.substr(p + 2);
    throw UserError(source + ": malformed JSON: " + msg);
  }
  return SpecBuilder(source, base_dir).build(root);
}

ir::Graph load_json_spec(const std::string &path) {
  std::ifstream in(path);
  if (!in) throw UserError(path + ": cannot open the model file");
  std::stringstream text;
  text << in.rdbuf();
  std::string base = std::filesystem::path(path).parent_path().string();
  return parse_json_spec(text.str(), path, base.empty() ? "." : base);
}

}  // namespace kiln::frontend
