#include "frontend/json/attr_parse.h"

#include <algorithm>

#include "ir/errors.h"

namespace kiln::frontend {

namespace {

[[noreturn]] void expected(const std::string &where, const std::string &what, const nlohmann::json &got) {
  throw UserError(where + ": expected " + what + ", got " + got.dump());
}

std::vector<int64_t> int_list(const nlohmann::json &v, const std::string &where, const std::string &what) {
  if (!v.is_array()) expected(where, what, v);
  std::vector<int64_t> out;
  for (const auto &e : v) {
    if (!e.is_number_integer()) expected(where, what, v);
    out.push_back(e.get<int64_t>());
  }
  return out;
}

}  // namespace

ir::AttrValue parse_attr(const ir::AttrSpec &spec, const nlohmann::json &v, const std::string &where) {
  switch (spec.kind) {
    case ir::AttrKind::Int:
      if (!v.is_number_integer()) expected(where, "an integer", v);
      return v.get<int64_t>();
    case ir::AttrKind::Float:
      if (!v.is_number()) expected(where, "a number", v);
      return v.get<double>();
    case ir::AttrKind::Bool:
      if (!v.is_boolean()) expected(where, "true or false", v);
      return int64_t{v.get<bool>() ? 1 : 0};
    case ir::AttrKind::String: {
      std::string choices;
      for (const auto &c : spec.choices) choices += (choices.empty() ? "" : ", ") + ("\"" + c + "\"");
      std::string what = choices.empty() ? "a string" : "one of " + choices;
      if (!v.is_string()) expected(where, what, v);
      std::string s = v.get<std::string>();
      if (!spec.choices.empty() && std::find(spec.choices.begin(), spec.choices.end(), s) == spec.choices.end())
        expected(where, what, v);
      return s;
    }
    case ir::AttrKind::Pair: {
      const std::string what = "an integer or [height, width]";
      if (v.is_number_integer()) return std::vector<int64_t>{v.get<int64_t>(), v.get<int64_t>()};
      auto l = int_list(v, where, what);
      if (l.size() != 2) expected(where, what, v);
      return l;
    }
    case ir::AttrKind::Ints:
      return int_list(v, where, "a list of integers");
    case ir::AttrKind::Padding: {
      const std::string what = "\"valid\", \"same\", an integer, [pad_h, pad_w] or [top, left, bottom, right]";
      if (v.is_string()) {
        std::string s = v.get<std::string>();
        if (s != "valid" && s != "same") expected(where, what, v);
        return s;
      }
      if (v.is_number_integer()) {
        int64_t p = v.get<int64_t>();
        return std::vector<int64_t>{p, p, p, p};
      }
      auto l = int_list(v, where, what);
      if (l.size() == 2) return std::vector<int64_t>{l[0], l[1], l[0], l[1]};
      if (l.size() != 4) expected(where, what, v);
      return l;
    }
  }
  throw InternalError("unhandled attribute kind");
}

}  // namespace kiln::frontend
