// The JSON spec loader (docs/spec.md): the top level (name, inputs, weights,
// outputs) and the two forms, a sequential list of layers and a graph of named
// nodes, which nest through "sequential" blocks. Each op layer is added by
// layer_builder.cpp; every mistake becomes a UserError naming the file and the
// JSON path of the offending field.
#include "frontend/json/json_spec.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "frontend/json/json_text.h"
#include "frontend/json/layer_builder.h"
#include "frontend/weights_file.h"
#include "ir/errors.h"
#include "ir/graph_rebuild.h"

namespace kiln::frontend {

namespace {

using nlohmann::json;

// Each dimension of an input: Halide buffers index with 32-bit integers.
constexpr int64_t kMaxDim = (int64_t{1} << 31) - 1;

std::vector<std::string> layer_types() {
  std::vector<std::string> types;
  for (const std::string &op : ir::op_names())
    if (!ir::get_op(op).internal) types.push_back(op);
  types.push_back("sequential");
  return types;
}

class SpecBuilder {
 public:
  SpecBuilder(const std::string &source, std::string base_dir, const LoadOptions &options)
      : spec_(source), errors_(spec_.errors), base_dir_(std::move(base_dir)), options_(options) {}

  ir::Graph build(const json &root) {
    if (!root.is_object())
      errors_.fail("", "expected a JSON object at the top level, got " + json_excerpt(root));
    errors_.check_fields(
        root, "",
        {"name", "description", "input", "inputs", "layers", "nodes", "outputs", "weights"},
        "the model");
    parse_name(root);
    if (root.contains("description") && !root["description"].is_string())
      errors_.fail("description", "expected a string, got " + json_excerpt(root["description"]));
    std::string weights_file = parse_weights(root);
    parse_inputs(root);
    bool sequential = parse_body(root);
    parse_outputs(root, sequential);
    if (!weights_file.empty()) {
      try {
        read_weights_into(spec_.graph, weights_file);
      } catch (const UserError &e) {
        errors_.fail("weights.file", e.what());
      }
    }
    if (!options_.training) drop_training_only_nodes();
    return std::move(spec_.graph);
  }

 private:
  void parse_name(const json &root) {
    const std::string what = "the model name, a C identifier ([A-Za-z_][A-Za-z0-9_]*)";
    std::string name = errors_.get_string(root, "", "name", what);
    if (!is_c_identifier(name))
      errors_.fail("name", "expected " + what + ", got " + json_excerpt(name));
    spec_.graph.name = name;
  }

  // Sets the init scheme and seed; returns the weights file to read, or "".
  std::string parse_weights(const json &root) {
    if (!root.contains("weights")) return "";
    const json &w = root["weights"];
    const std::string forms = "{\"init\": \"glorot\" or \"he\", \"seed\": N} or {\"file\": PATH}";
    if (!w.is_object()) errors_.fail("weights", "expected " + forms + ", got " + json_excerpt(w));
    errors_.check_fields(w, "weights", {"init", "seed", "file"}, "weights");
    if (w.contains("file")) {
      if (w.contains("init") || w.contains("seed"))
        errors_.fail("weights", "give either \"file\" or \"init\" and \"seed\", not both");
      std::string file = errors_.get_string(w, "weights", "file", "the path of a weights file");
      if (file.empty())
        errors_.fail("weights.file", "expected the path of a weights file, got \"\"");
      std::filesystem::path p(file);
      return (p.is_absolute() ? p : std::filesystem::path(base_dir_) / p)
          .lexically_normal()
          .string();
    }
    if (w.contains("init")) {
      std::string init = errors_.get_string(w, "weights", "init", "\"glorot\" or \"he\"");
      if (init == "glorot")
        spec_.scheme = InitScheme::Glorot;
      else if (init == "he")
        spec_.scheme = InitScheme::He;
      else
        errors_.fail("weights.init", "expected \"glorot\" or \"he\", got " + json_excerpt(init));
    }
    if (w.contains("seed")) {
      if (!w["seed"].is_number_unsigned())
        errors_.fail("weights.seed",
                     "expected an integer from 0 to 2^64 - 1, got " + json_excerpt(w["seed"]));
      spec_.seed = w["seed"].get<uint64_t>();
    }
    return "";
  }

  void parse_inputs(const json &root) {
    if (root.contains("input") == root.contains("inputs"))
      errors_.fail(
          "", "expected exactly one of \"input\" (one input) and \"inputs\" (a list of inputs)");
    if (root.contains("input")) return parse_input(root["input"], "input");
    const json &list = root["inputs"];
    if (!list.is_array() || list.empty())
      errors_.fail("inputs",
                   "expected a non-empty list of {\"name\": ..., \"shape\": [...]}, got " +
                       json_excerpt(list));
    for (size_t i = 0; i < list.size(); i++) parse_input(list[i], json_index("inputs", i));
  }

  void parse_input(const json &in, const std::string &path) {
    if (!in.is_object())
      errors_.fail(path, "expected {\"name\": ..., \"shape\": [...]}, got " + json_excerpt(in));
    errors_.check_fields(in, path, {"name", "shape"}, "an input");
    std::string name = errors_.get_name(in, path, "name");
    const std::string what = "a list of positive integers (NCHW for images)";
    if (!in.contains("shape")) errors_.fail(path, "missing the field \"shape\": expected " + what);
    const json &shape = in["shape"];
    if (!shape.is_array() || shape.empty())
      errors_.fail(json_field(path, "shape"), "expected " + what + ", got " + json_excerpt(shape));
    ir::TensorType type;
    for (const json &d : shape) {
      if (!d.is_number_unsigned() || d.get<uint64_t>() == 0 ||
          d.get<uint64_t>() > static_cast<uint64_t>(kMaxDim))
        errors_.fail(json_field(path, "shape"),
                     "expected " + what + " below 2^31, got " + json_excerpt(shape));
      type.shape.push_back(d.get<int64_t>());
    }
    claim_name(name, json_field(path, "name"));
    define(name, spec_.graph.add_input(name, type));
  }

  // Builds "layers" or "nodes"; returns whether it was the sequential form.
  bool parse_body(const json &root) {
    bool has_layers = root.contains("layers"), has_nodes = root.contains("nodes");
    if (has_layers == has_nodes)
      errors_.fail("",
                   "expected exactly one of \"layers\" (the sequential form) and \"nodes\" (the "
                   "graph form)");
    if (has_layers) {
      if (spec_.graph.inputs.size() != 1)
        errors_.fail("layers", "the sequential form takes exactly one input, the model has " +
                                   std::to_string(spec_.graph.inputs.size()) +
                                   "; use the graph form (\"nodes\")");
      last_ = add_sequence(root["layers"], "layers", spec_.graph.inputs[0], "");
      return true;
    }
    const json &nodes = root["nodes"];
    if (!nodes.is_array() || nodes.empty())
      errors_.fail("nodes", "expected a non-empty list of nodes, got " + json_excerpt(nodes));
    for (size_t i = 0; i < nodes.size(); i++) add_graph_node(nodes[i], json_index("nodes", i));
    return false;
  }

  void parse_outputs(const json &root, bool sequential) {
    if (!root.contains("outputs")) {
      if (!sequential) errors_.fail("", "the graph form needs \"outputs\": a list of node names");
      spec_.graph.mark_output(last_);
      return;
    }
    const json &outs = root["outputs"];
    if (!outs.is_array() || outs.empty())
      errors_.fail("outputs",
                   "expected a non-empty list of layer or node names, got " + json_excerpt(outs));
    std::vector<int> listed;
    for (size_t i = 0; i < outs.size(); i++) {
      std::string path = json_index("outputs", i);
      auto [name, training_only] = parse_output(outs[i], path);
      int value = lookup(name, path, true);
      if (spec_.graph.value(value).kind == ir::ValueKind::Input)
        errors_.fail(path, "'" + name + "' is a model input; outputs must be layers or nodes");
      if (std::find(listed.begin(), listed.end(), value) != listed.end())
        errors_.fail(path, "'" + name + "' is listed twice");
      listed.push_back(value);
      (training_only ? training_outputs_ : inference_outputs_).push_back(value);
    }
    if (inference_outputs_.empty())
      errors_.fail("outputs",
                   "every output is training-only; at least one must be an inference output");
    // Training-only outputs come after the others.
    for (int value : inference_outputs_) spec_.graph.mark_output(value);
    if (options_.training)
      for (int value : training_outputs_) spec_.graph.mark_output(value);
  }

  // "name" or {"name": "aux1", "training_only": true}.
  std::pair<std::string, bool> parse_output(const json &out, const std::string &path) {
    const std::string forms = "a layer or node name, or {\"name\": ..., \"training_only\": true}";
    if (out.is_string()) return {out.get<std::string>(), false};
    if (!out.is_object()) errors_.fail(path, "expected " + forms + ", got " + json_excerpt(out));
    errors_.check_fields(out, path, {"name", "training_only"}, "an output");
    std::string name = errors_.get_string(out, path, "name", "a layer or node name");
    bool training_only = false;
    if (out.contains("training_only")) {
      if (!out["training_only"].is_boolean())
        errors_.fail(json_field(path, "training_only"),
                     "expected true or false, got " + json_excerpt(out["training_only"]));
      training_only = out["training_only"].get<bool>();
    }
    return {name, training_only};
  }

  // For inference: drops the nodes that only training-only outputs need
  // (nodes that no output needs stay, as written).
  void drop_training_only_nodes() {
    if (training_outputs_.empty()) return;
    const ir::Graph &g = spec_.graph;
    auto needed_by = [&](const std::vector<int> &outputs) {
      std::vector<bool> value_needed(g.values.size(), false), node_needed(g.nodes.size(), false);
      for (int v : outputs) value_needed[v] = true;
      for (size_t i = g.nodes.size(); i-- > 0;) {
        for (int v : g.nodes[i].outputs) node_needed[i] = node_needed[i] || value_needed[v];
        if (node_needed[i])
          for (int v : g.nodes[i].inputs) value_needed[v] = true;
      }
      return node_needed;
    };
    std::vector<bool> inference = needed_by(inference_outputs_);
    std::vector<bool> training = needed_by(training_outputs_);
    std::vector<bool> keep(g.nodes.size());
    for (size_t i = 0; i < keep.size(); i++) keep[i] = inference[i] || !training[i];
    spec_.graph = ir::compact_graph(g, keep);
  }

  // A sequential list, each layer reading the previous output; returns the last.
  int add_sequence(const json &layers, const std::string &path, int input,
                   const std::string &prefix) {
    if (!layers.is_array() || layers.empty())
      errors_.fail(path, "expected a non-empty list of layers, got " + json_excerpt(layers));
    std::map<std::string, int> counters;  // default names count per type and list
    int current = input;
    for (size_t i = 0; i < layers.size(); i++) {
      std::string lpath = json_index(path, i);
      const json &layer = layers[i];
      if (!layer.is_object())
        errors_.fail(lpath, "expected a layer object, got " + json_excerpt(layer));
      if (layer.contains("inputs"))
        errors_.fail(
            json_field(lpath, "inputs"),
            "a layer in a sequential list reads the previous layer's output; give explicit inputs "
            "in the graph form (\"nodes\")");
      std::string type = layer_type(layer, lpath);
      std::string name;
      if (layer.contains("name")) {
        name = prefix + errors_.get_name(layer, lpath, "name");
        claim_name(name, json_field(lpath, "name"));
      } else {
        do name = prefix + type + "_" + std::to_string(++counters[type]);
        while (taken(name));
        claim_name(name, lpath);
      }
      current = add_layer(layer, {lpath, name, true}, type, {current});
    }
    return current;
  }

  void add_graph_node(const json &node, const std::string &path) {
    if (!node.is_object()) errors_.fail(path, "expected a node object, got " + json_excerpt(node));
    if (!node.contains("name"))
      errors_.fail(path, "missing the field \"name\" (every node of the graph form needs one)");
    std::string name = errors_.get_name(node, path, "name");
    std::string type = layer_type(node, path);
    std::string ipath = json_field(path, "inputs");
    if (!node.contains("inputs"))
      errors_.fail(path, "missing the field \"inputs\": expected a list of input or node names");
    const json &list = node["inputs"];
    if (!list.is_array() || list.empty())
      errors_.fail(ipath,
                   "expected a non-empty list of input or node names, got " + json_excerpt(list));
    std::vector<int> inputs;
    for (size_t k = 0; k < list.size(); k++) {
      if (!list[k].is_string())
        errors_.fail(json_index(ipath, k),
                     "expected an input or node name, got " + json_excerpt(list[k]));
      inputs.push_back(lookup(list[k].get<std::string>(), json_index(ipath, k), false));
    }
    claim_name(name, json_field(path, "name"));
    add_layer(node, {path, name, false}, type, inputs);
  }

  // A sequential block or an op layer; defines its name and returns its value.
  int add_layer(const json &layer, const LayerSite &site, const std::string &type,
                const std::vector<int> &inputs) {
    int value;
    if (type == "sequential") {
      std::vector<std::string> fields = {"type", "name", "layers"};
      if (!site.in_sequence) fields.push_back("inputs");
      errors_.check_fields(layer, site.path, fields, "a sequential block");
      if (inputs.size() != 1)
        errors_.fail(
            json_field(site.path, "inputs"),
            "a sequential block takes exactly one input, got " + std::to_string(inputs.size()));
      if (!layer.contains("layers"))
        errors_.fail(site.path, "missing the field \"layers\" of the sequential block");
      value = add_sequence(layer["layers"], json_field(site.path, "layers"), inputs[0],
                           site.name + ".");
    } else {
      value = add_op_layer(spec_, ir::get_op(type), layer, site, inputs);
    }
    define(site.name, value);
    return value;
  }

  std::string layer_type(const json &layer, const std::string &path) {
    std::vector<std::string> types = layer_types();
    std::string type =
        errors_.get_string(layer, path, "type", "a layer type (" + join_names(types) + ")");
    if (std::find(types.begin(), types.end(), type) != types.end()) return type;
    std::string guess = closest_match(type, types);
    errors_.fail(json_field(path, "type"),
                 "unknown layer type \"" + type + "\"" +
                     (guess.empty() ? "" : " (did you mean \"" + guess + "\"?)") +
                     "; the known types are " + join_names(types));
  }

  bool taken(const std::string &name) const {
    return claimed_.count(name) || spec_.graph.find_value(name) >= 0 ||
           spec_.graph.find_node(name) >= 0;
  }

  void claim_name(const std::string &name, const std::string &path) {
    auto it = claimed_.find(name);
    if (it != claimed_.end())
      errors_.fail(path, "the name '" + name + "' is already used by " + it->second);
    if (taken(name))
      errors_.fail(path, "the name '" + name + "' is already used by a name kiln derived");
    claimed_[name] = path;
  }

  void define(const std::string &name, int value) { spec_.names[name] = value; }

  // The value a node input or an output names. Inputs must come before use.
  int lookup(const std::string &name, const std::string &path, bool is_output) const {
    auto it = spec_.names.find(name);
    if (it != spec_.names.end()) return it->second;
    std::vector<std::string> known;
    for (const auto &entry : spec_.names) known.push_back(entry.first);
    std::string guess = closest_match(name, known);
    errors_.fail(path,
                 (is_output ? "unknown layer or node '" + name + "'"
                            : "unknown input '" + name + "' (nodes must be defined before use)") +
                     (guess.empty() ? "" : "; did you mean '" + guess + "'?"));
  }

  SpecGraph spec_;
  const SpecErrors &errors_;
  std::string base_dir_;
  LoadOptions options_;
  std::map<std::string, std::string> claimed_;  // spec names -> where defined
  int last_ = -1;                               // the sequential form's last layer
  // Value ids of the outputs, in spec order.
  std::vector<int> inference_outputs_, training_outputs_;
};

}  // namespace

ir::Graph parse_json_spec(const std::string &text, const std::string &source,
                          const std::string &base_dir, const LoadOptions &options) {
  return SpecBuilder(source, base_dir, options).build(parse_json_text(text, source));
}

ir::Graph load_json_spec(const std::string &path, const LoadOptions &options) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw UserError(path + ": no such model file");
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) throw UserError(path + ": cannot read the model file");
  std::string base = std::filesystem::path(path).parent_path().string();
  return parse_json_spec(text.str(), path, base.empty() ? "." : base, options);
}

}  // namespace kiln::frontend
