#include "ir/verifier.h"

#include <algorithm>
#include <set>

#include "ir/errors.h"
#include "ir/op.h"

namespace kiln::ir {

namespace {

class Verifier {
 public:
  explicit Verifier(const Graph &g) : g_(g) {}

  std::vector<std::string> run() {
    check_names();
    check_values();
    check_nodes();
    check_outputs();
    check_updates();
    return errors_;
  }

 private:
  bool in_range(int id) const { return id >= 0 && id < static_cast<int>(g_.values.size()); }
  void fail(const std::string &what) { errors_.push_back(what); }

  void check_names() {
    std::set<std::string> values, nodes;
    for (const Value &v : g_.values)
      if (!values.insert(v.name).second) fail("[2] value name '" + v.name + "' is used twice");
    for (const Node &n : g_.nodes)
      if (!nodes.insert(n.name).second) fail("[2] node name '" + n.name + "' is used twice");
  }

  void check_values() {
    for (int id : g_.inputs) {
      if (!in_range(id)) { fail("[1] graph input id " + std::to_string(id) + " out of range"); continue; }
      if (g_.value(id).kind != ValueKind::Input) fail("[3] graph input '" + g_.value(id).name + "' is not an Input value");
    }
    for (size_t id = 0; id < g_.values.size(); id++)
      if (g_.values[id].kind == ValueKind::Input &&
          std::count(g_.inputs.begin(), g_.inputs.end(), static_cast<int>(id)) != 1)
        fail("[3] input value '" + g_.values[id].name + "' must appear exactly once among the graph inputs");
    for (size_t id = 0; id < g_.values.size(); id++) {
      const Value &v = g_.values[id];
      if (v.kind == ValueKind::Param &&
          (!v.data || static_cast<int64_t>(v.data->size()) != v.type.numel()))
        fail("[3] parameter '" + v.name + "' has no data of its size " + shape_str(v.type.shape));
      if (v.kind == ValueKind::Activation) {
        if (v.producer < 0 || v.producer >= static_cast<int>(g_.nodes.size())) {
          fail("[4] activation '" + v.name + "' has no producer");
          continue;
        }
        const auto &outs = g_.nodes[v.producer].outputs;
        if (std::find(outs.begin(), outs.end(), static_cast<int>(id)) == outs.end())
          fail("[4] activation '" + v.name + "' names producer '" + g_.nodes[v.producer].name + "', which does not list it");
      }
    }
  }

  void check_nodes() {
    std::set<int> defined;
    for (size_t id = 0; id < g_.values.size(); id++)
      if (g_.values[id].kind != ValueKind::Activation) defined.insert(static_cast<int>(id));
    for (size_t ni = 0; ni < g_.nodes.size(); ni++) {
      const Node &n = g_.nodes[ni];
      const std::string where = "node '" + n.name + "'";
      bool ids_ok = true;
      for (int v : n.inputs) {
        if (!in_range(v)) { fail("[1] " + where + ": input id " + std::to_string(v) + " out of range"); ids_ok = false; continue; }
        if (!defined.count(v)) fail("[5] " + where + ": input '" + g_.value(v).name + "' is used before it is defined");
      }
      for (int v : n.outputs) {
        if (!in_range(v)) { fail("[1] " + where + ": output id " + std::to_string(v) + " out of range"); ids_ok = false; continue; }
        if (g_.value(v).producer != static_cast<int>(ni)) fail("[4] " + where + ": output '" + g_.value(v).name + "' names another producer");
        defined.insert(v);
      }
      const OpDef *def = find_op(n.op);
      if (!def) { fail("[6] " + where + ": unknown op '" + n.op + "'"); continue; }
      if (!ids_ok) continue;
      try {
        check_input_count(*def, n.inputs.size(), where);
        Attrs attrs = normalize_attrs(*def, n.attrs, where);
        if (!(attrs == n.attrs)) { fail("[6] " + where + ": attributes are not normalized (defaults missing)"); continue; }
        auto types = def->infer(attrs, g_.input_types(n));
        if (types.size() != n.outputs.size()) { fail("[7] " + where + ": op gives " + std::to_string(types.size()) + " outputs, node has " + std::to_string(n.outputs.size())); continue; }
        for (size_t k = 0; k < types.size(); k++)
          if (types[k] != g_.value(n.outputs[k]).type)
            fail("[7] " + where + ": output '" + g_.value(n.outputs[k]).name + "' is " + type_str(g_.value(n.outputs[k]).type) + " but the shape rule gives " + type_str(types[k]));
      } catch (const UserError &e) {
        fail("[6] " + where + ": " + e.what());
      }
    }
  }

  void check_outputs() {
    if (g_.outputs.empty()) fail("[8] the graph has no outputs");
    for (int id : g_.outputs) {
      if (!in_range(id)) { fail("[1] graph output id " + std::to_string(id) + " out of range"); continue; }
      if (g_.value(id).kind == ValueKind::Param) fail("[8] graph output '" + g_.value(id).name + "' is a parameter");
    }
  }

  void check_updates() {
    std::set<int> updated;
    for (const Update &u : g_.updates) {
      if (!in_range(u.param) || !in_range(u.value)) { fail("[1] an update names a value id out of range"); continue; }
      const Value &p = g_.value(u.param), &v = g_.value(u.value);
      if (p.kind != ValueKind::Param) fail("[9] update of '" + p.name + "', which is not a parameter");
      if (!updated.insert(u.param).second) fail("[9] parameter '" + p.name + "' is updated twice");
      if (v.kind == ValueKind::Param) fail("[9] parameter '" + p.name + "' is updated to parameter '" + v.name + "'");
      if (v.type != p.type)
        fail("[9] parameter '" + p.name + "' is " + type_str(p.type) + " but its update '" + v.name + "' is " + type_str(v.type));
    }
  }

  const Graph &g_;
  std::vector<std::string> errors_;
};

}  // namespace

std::vector<std::string> verify(const Graph &g) { return Verifier(g).run(); }

void verify_or_throw(const Graph &g, const std::string &context) {
  auto errors = verify(g);
  if (errors.empty()) return;
  std::string msg = context + ": the graph is invalid:";
  for (const auto &e : errors) msg += "\n  " + e;
  throw InternalError(msg);
}

}  // namespace kiln::ir
