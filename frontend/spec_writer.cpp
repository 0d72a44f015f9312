#include "frontend/spec_writer.h"

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "frontend/weights_file.h"
#include "ir/errors.h"
#include "ir/op.h"

namespace kiln::frontend {

namespace {

// Insertion order: name, type and inputs lead each node.
using json = nlohmann::ordered_json;

// Spec names: [A-Za-z0-9_-]+, unique across inputs and nodes.
class SpecNames {
 public:
  const std::string &of(int value_id, const std::string &raw) {
    auto it = names_.find(value_id);
    if (it != names_.end()) return it->second;
    std::string name = raw;
    for (char &ch : name)
      if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '-') ch = '_';
    if (name.empty()) name = "v";
    std::string unique = name;
    for (int k = 2; taken_.count(unique); k++) unique = name + "_" + std::to_string(k);
    taken_.insert(unique);
    return names_[value_id] = unique;
  }

 private:
  std::map<int, std::string> names_;
  std::set<std::string> taken_;
};

json attr_json(const ir::AttrSpec &spec, const ir::AttrValue &v) {
  if (spec.kind == ir::AttrKind::Bool) return std::get<int64_t>(v) != 0;
  if (auto i = std::get_if<int64_t>(&v)) return *i;
  if (auto d = std::get_if<double>(&v)) return *d;
  if (auto s = std::get_if<std::string>(&v)) return *s;
  return std::get<std::vector<int64_t>>(v);
}

class Writer {
 public:
  explicit Writer(const ir::Graph &g) : g_(g) {}

  json spec(const std::string &weights_ref, const std::string &description) {
    json j;
    j["name"] = g_.name;
    j["description"] = description;
    for (int id : g_.inputs)
      j["inputs"].push_back(
          {{"name", names_.of(id, g_.value(id).name)}, {"shape", g_.value(id).type.shape}});
    j["weights"] = {{"file", weights_ref}};
    for (const ir::Node &n : g_.nodes) j["nodes"].push_back(node_json(n));
    for (int id : g_.outputs) {
      if (g_.value(id).kind != ir::ValueKind::Activation)
        throw UserError("the output '" + g_.value(id).name +
                        "' is not computed by a node; the spec's outputs name nodes");
      j["outputs"].push_back(names_.of(id, g_.value(id).name));
    }
    return j;
  }

  const ir::Graph &weights() const { return weights_; }

 private:
  json node_json(const ir::Node &n) {
    const ir::OpDef &def = ir::get_op(n.op);
    const std::string where = "node '" + n.name + "' (" + n.op + ")";
    json j;
    const std::string name = names_.of(n.outputs.at(0), n.name);
    if (n.outputs.size() != 1) throw UserError(where + ": the spec has single-output nodes only");
    j["name"] = name;
    j["type"] = n.op;
    json inputs = json::array();
    std::vector<std::pair<std::string, int>> params;  // input name, value id
    size_t k = 0;
    for (const ir::InputSpec &in : def.inputs) {
      for (; k < n.inputs.size(); k++) {
        const ir::Value &v = g_.value(n.inputs[k]);
        if (in.is_param) {
          if (v.kind != ir::ValueKind::Param)
            throw UserError(where + ": its " + in.name + " is computed at run time; the spec's " +
                            in.name + " is a parameter");
          params.push_back({in.name, n.inputs[k]});
        } else {
          if (in.optional)
            throw UserError(where + ": the optional input " + in.name +
                            " is set by passes only; write the spec before optimizing");
          if (v.kind == ir::ValueKind::Param)
            throw UserError(where + ": input " + in.name + " is the constant '" + v.name +
                            "'; the spec takes constants only as an op's own parameters");
          inputs.push_back(names_.of(n.inputs[k], v.name));
        }
        if (!in.variadic) {
          k++;
          break;
        }
      }
    }
    j["inputs"] = inputs;
    for (const ir::AttrSpec &spec : def.attrs) {
      if (!n.attrs.has(spec.name)) continue;
      const ir::AttrValue &v = n.attrs.get(spec.name);
      if (spec.internal) {
        if (spec.default_value && v == *spec.default_value) continue;
        throw UserError(where + ": the attribute " + spec.name +
                        " is set by passes only; write the spec before optimizing");
      }
      j[spec.name] = attr_json(spec, v);
    }
    check_params(def, n, params, where);
    for (const auto &[input, id] : params) {
      const ir::Value &v = g_.value(id);
      weights_.add_param(name + "." + input, v.type, *v.data);
    }
    return j;
  }

  // The spec creates the parameters from the op's rule: they must match.
  void check_params(const ir::OpDef &def, const ir::Node &n,
                    const std::vector<std::pair<std::string, int>> &params,
                    const std::string &where) const {
    std::vector<ir::ParamSpec> want;
    if (def.params) want = def.params(n.attrs, g_.value(n.inputs.at(0)).type);
    bool same = want.size() == params.size();
    for (size_t k = 0; same && k < want.size(); k++)
      same = want[k].input == params[k].first &&
             want[k].shape == g_.value(params[k].second).type.shape;
    if (same) return;
    std::string got, expected;
    for (const auto &[input, id] : params)
      got += (got.empty() ? "" : ", ") + input + " " + ir::shape_str(g_.value(id).type.shape);
    for (const auto &p : want)
      expected += (expected.empty() ? "" : ", ") + p.input + " " + ir::shape_str(p.shape);
    throw UserError(where + ": its parameters (" + (got.empty() ? "none" : got) +
                    ") are not those the spec would create (" +
                    (expected.empty() ? "none" : expected) + ")");
  }

  const ir::Graph &g_;
  SpecNames names_;
  ir::Graph weights_;
};

// One field per line, and one line per input, node and output.
std::string format_spec(const json &j) {
  std::string text = "{\n";
  size_t field = 0;
  for (const auto &[key, value] : j.items()) {
    text += "  " + json(key).dump() + ": ";
    if (value.is_array() && (key == "inputs" || key == "nodes")) {
      text += "[\n";
      for (size_t k = 0; k < value.size(); k++)
        text += "    " + value[k].dump() + (k + 1 < value.size() ? ",\n" : "\n");
      text += "  ]";
    } else {
      text += value.dump();
    }
    text += ++field < j.size() ? ",\n" : "\n";
  }
  return text + "}\n";
}

}  // namespace

void write_spec(const ir::Graph &g, const std::string &spec_path, const std::string &weights_path,
                const std::string &description) {
  namespace fs = std::filesystem;
  Writer writer(g);
  fs::path spec_dir = fs::absolute(spec_path).parent_path();
  std::string ref = fs::absolute(weights_path).lexically_relative(spec_dir).string();
  json j = writer.spec(ref, description);
  write_weights(writer.weights(), weights_path);
  std::string tmp = spec_path + ".tmp";
  {
    std::ofstream out(tmp);
    out << format_spec(j);
    if (!out) throw UserError(spec_path + ": cannot write the spec");
  }
  if (std::rename(tmp.c_str(), spec_path.c_str()) != 0)
    throw UserError(spec_path + ": cannot write the spec");
}

}  // namespace kiln::frontend
