// The op table, built from ir/ops/op_list.def.
#include <map>

#include "ir/errors.h"
#include "ir/op.h"

namespace kiln::ir {
namespace ops {
#define KILN_OP(name) OpDef def_##name();
#include "ir/ops/op_list.def"
#undef KILN_OP
}  // namespace ops

namespace {

const std::map<std::string, OpDef> &table() {
  static const std::map<std::string, OpDef> ops = [] {
    std::map<std::string, OpDef> m;
#define KILN_OP(name) m.emplace(#name, ops::def_##name());
#include "ir/ops/op_list.def"
#undef KILN_OP
    return m;
  }();
  return ops;
}

bool kind_matches(AttrKind kind, const AttrValue &v) {
  switch (kind) {
    case AttrKind::Int: return std::holds_alternative<int64_t>(v);
    case AttrKind::Bool: {
      auto i = std::get_if<int64_t>(&v);
      return i && (*i == 0 || *i == 1);
    }
    case AttrKind::Float:
      return std::holds_alternative<double>(v) || std::holds_alternative<int64_t>(v);
    case AttrKind::String: return std::holds_alternative<std::string>(v);
    case AttrKind::Pair: {
      auto l = std::get_if<std::vector<int64_t>>(&v);
      return l && l->size() == 2;
    }
    case AttrKind::Ints: return std::holds_alternative<std::vector<int64_t>>(v);
    case AttrKind::Padding: {
      if (auto s = std::get_if<std::string>(&v)) return *s == "valid" || *s == "same";
      auto l = std::get_if<std::vector<int64_t>>(&v);
      return l && l->size() == 4;
    }
  }
  return false;
}

}  // namespace

const OpDef *find_op(const std::string &name) {
  auto it = table().find(name);
  return it == table().end() ? nullptr : &it->second;
}

const OpDef &get_op(const std::string &name) {
  if (const OpDef *def = find_op(name)) return *def;
  std::string known;
  for (const auto &n : op_names()) known += (known.empty() ? "" : ", ") + n;
  throw UserError("unknown operator '" + name + "' (known: " + known + ")");
}

std::vector<std::string> op_names() {
  std::vector<std::string> names;
  for (const auto &[n, def] : table()) names.push_back(n);
  return names;
}

void check_input_count(const OpDef &def, size_t count, const std::string &where) {
  size_t required = 0;
  for (const auto &s : def.inputs) required += s.optional ? 0 : 1;
  bool variadic = !def.inputs.empty() && def.inputs.back().variadic;
  if (count >= required && (variadic || count <= def.inputs.size())) return;
  std::string expected = std::to_string(required);
  if (variadic) expected += " or more";
  else if (def.inputs.size() > required) expected += " to " + std::to_string(def.inputs.size());
  throw UserError(where + ": " + def.name + " takes " + expected + " inputs, got " + std::to_string(count));
}

Attrs normalize_attrs(const OpDef &def, const Attrs &given, const std::string &where) {
  Attrs out;
  for (const auto &[name, value] : given.all()) {
    const AttrSpec *spec = nullptr;
    for (const auto &s : def.attrs)
      if (s.name == name) spec = &s;
    if (!spec) throw UserError(where + ": " + def.name + " has no attribute '" + name + "'");
    if (spec->kind == AttrKind::Padding && std::holds_alternative<std::string>(value) &&
        !kind_matches(spec->kind, value))
      throw UserError(where + ": attribute '" + name + "' is " + attr_str(value) +
                      ", expected \"valid\", \"same\" or [top, left, bottom, right]");
    if (!kind_matches(spec->kind, value))
      throw UserError(where + ": attribute '" + name + "' has the wrong type: " +
                      attr_str(value));
    if (!spec->choices.empty()) {
      const auto &s = std::get<std::string>(value);
      bool ok = false;
      for (const auto &c : spec->choices) ok = ok || c == s;
      if (!ok) {
        std::string list;
        for (const auto &c : spec->choices) list += (list.empty() ? "" : ", ") + c;
        throw UserError(where + ": attribute '" + name + "' is \"" + s + "\", expected one of " +
                        list);
      }
    }
    out.set(name, value);
  }
  for (const auto &spec : def.attrs) {
    if (out.has(spec.name)) continue;
    if (spec.default_value) {
      out.set(spec.name, *spec.default_value);
    } else if (!spec.optional) {
      throw UserError(where + ": " + def.name + " needs attribute '" + spec.name + "'");
    }
  }
  return out;
}

}  // namespace kiln::ir
