#include "frontend/json/attr_parse.h"

#include <algorithm>
#include <limits>

#include "ir/errors.h"

namespace kiln::frontend {

namespace {

using nlohmann::json;

[[noreturn]] void expected(const std::string &where, const std::string &what, const json &got) {
  throw UserError(where + ": expected " + what + ", got " + json_excerpt(got));
}

bool is_int64(const json &v) {
  return v.is_number_integer() &&
         (!v.is_number_unsigned() ||
          v.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()));
}

// A list of integers, each at least `min`; `what` describes the whole form.
std::vector<int64_t> int_list(const json &v, int64_t min, const std::string &where,
                              const std::string &what) {
  if (!v.is_array()) expected(where, what, v);
  std::vector<int64_t> out;
  for (const auto &e : v) {
    if (!is_int64(e) || e.get<int64_t>() < min) expected(where, what, v);
    out.push_back(e.get<int64_t>());
  }
  return out;
}

std::string quoted_list(const std::vector<std::string> &items) {
  std::string out;
  for (size_t k = 0; k < items.size(); k++)
    out += (k == 0 ? "" : k + 1 == items.size() ? " or " : ", ") + ("\"" + items[k] + "\"");
  return out;
}

ir::AttrValue parse_string(const ir::AttrSpec &spec, const json &v, const std::string &where) {
  std::string what = spec.choices.empty() ? "a string" : quoted_list(spec.choices);
  if (!v.is_string()) expected(where, what, v);
  std::string s = v.get<std::string>();
  if (!spec.choices.empty() &&
      std::find(spec.choices.begin(), spec.choices.end(), s) == spec.choices.end())
    expected(where, what, v);
  return s;
}

// An int k means [k, k]; sizes, strides and dilations are positive.
ir::AttrValue parse_pair(const json &v, const std::string &where) {
  const std::string what = "a positive integer or [height, width]";
  if (is_int64(v) && v.get<int64_t>() > 0)
    return std::vector<int64_t>{v.get<int64_t>(), v.get<int64_t>()};
  std::vector<int64_t> l = int_list(v, 1, where, what);
  if (l.size() != 2) expected(where, what, v);
  return l;
}

// "valid", "same", p, [ph, pw] or [top, left, bottom, right], as
// "valid" / "same" / [top, left, bottom, right].
ir::AttrValue parse_padding(const json &v, const std::string &where) {
  const std::string what =
      "\"valid\", \"same\", an integer, [pad_h, pad_w] or [top, left, bottom, right] (not "
      "negative)";
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    if (s != "valid" && s != "same") expected(where, what, v);
    return s;
  }
  if (is_int64(v) && v.get<int64_t>() >= 0) {
    int64_t p = v.get<int64_t>();
    return std::vector<int64_t>{p, p, p, p};
  }
  std::vector<int64_t> l = int_list(v, 0, where, what);
  if (l.size() == 2) return std::vector<int64_t>{l[0], l[1], l[0], l[1]};
  if (l.size() != 4) expected(where, what, v);
  return l;
}

}  // namespace

ir::AttrValue parse_attr(const ir::AttrSpec &spec, const json &v, const std::string &where) {
  switch (spec.kind) {
    case ir::AttrKind::Int:
      if (!is_int64(v)) expected(where, "an integer", v);
      return v.get<int64_t>();
    case ir::AttrKind::Float:
      if (!v.is_number()) expected(where, "a number", v);
      return v.get<double>();
    case ir::AttrKind::Bool:
      if (!v.is_boolean()) expected(where, "true or false", v);
      return int64_t{v.get<bool>() ? 1 : 0};
    case ir::AttrKind::String:
      return parse_string(spec, v, where);
    case ir::AttrKind::Pair:
      return parse_pair(v, where);
    case ir::AttrKind::Ints:
      return int_list(v, std::numeric_limits<int64_t>::min(), where, "a list of integers");
    case ir::AttrKind::Padding:
      return parse_padding(v, where);
  }
  throw InternalError("unhandled attribute kind");
}

ir::Attrs parse_layer_attrs(const ir::OpDef &def, const json &layer, const SpecErrors &errors,
                            const std::string &path, const std::string &label) {
  ir::Attrs attrs;
  for (const ir::AttrSpec &spec : def.attrs) {
    if (spec.internal) continue;
    if (layer.contains(spec.name)) {
      std::string field = json_field(path, spec.name);
      attrs.set(spec.name, parse_attr(spec, layer[spec.name], errors.where(field)));
    } else if (!spec.default_value && !spec.optional) {
      errors.fail(label,
                  def.name + " needs the attribute \"" + spec.name + "\" (" + spec.doc + ")");
    }
  }
  return ir::normalize_attrs(def, attrs, errors.where(label));
}

}  // namespace kiln::frontend
