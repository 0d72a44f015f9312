#include "ir/printer.h"

#include <sstream>

namespace kiln::ir {

std::string print_graph(const Graph &g) {
  std::ostringstream os;
  os << "graph " << g.name << " {\n";
  for (int id : g.inputs) os << "  input " << g.value(id).name << ": " << type_str(g.value(id).type) << "\n";
  for (int id : g.param_ids())
    os << "  param " << g.value(id).name << ": " << type_str(g.value(id).type) << "\n";
  for (const Node &n : g.nodes) {
    os << "  ";
    for (size_t k = 0; k < n.outputs.size(); k++) os << (k ? ", " : "") << g.value(n.outputs[k]).name;
    os << " = " << n.op << "(";
    for (size_t k = 0; k < n.inputs.size(); k++) os << (k ? ", " : "") << g.value(n.inputs[k]).name;
    os << ")";
    if (!n.attrs.all().empty()) {
      os << " {";
      bool first = true;
      for (const auto &[name, v] : n.attrs.all()) {
        os << (first ? "" : ", ") << name << "=" << attr_str(v);
        first = false;
      }
      os << "}";
    }
    os << " :";
    for (int v : n.outputs) os << " " << type_str(g.value(v).type);
    os << "\n";
  }
  for (int id : g.outputs) os << "  output " << g.value(id).name << "\n";
  for (const Update &u : g.updates)
    os << "  update " << g.value(u.param).name << " <- " << g.value(u.value).name << "\n";
  os << "}\n";
  return os.str();
}

}  // namespace kiln::ir
