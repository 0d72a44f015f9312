#include "ir/attrs.h"

#include <cstdlib>
#include <sstream>
#include <string>

#include "ir/errors.h"

namespace kiln::ir {

std::string attr_str(const AttrValue &v) {
  std::ostringstream os;
  if (auto i = std::get_if<int64_t>(&v)) {
    os << *i;
  } else if (auto d = std::get_if<double>(&v)) {
    // The shortest form that reads back as the same double (six digits when
    // those suffice): kernel cache keys are built from this text, so two
    // values may not print alike.
    for (int digits = 6; digits <= 17; digits++) {
      std::ostringstream t;
      t.precision(digits);
      t << *d;
      if (digits == 17 || std::strtod(t.str().c_str(), nullptr) == *d) {
        os << t.str();
        break;
      }
    }
  } else if (auto s = std::get_if<std::string>(&v)) {
    os << '"' << *s << '"';
  } else {
    const auto &list = std::get<std::vector<int64_t>>(v);
    os << '[';
    for (size_t k = 0; k < list.size(); k++) os << (k ? "," : "") << list[k];
    os << ']';
  }
  return os.str();
}

const AttrValue &Attrs::get(const std::string &name) const {
  auto it = map_.find(name);
  if (it == map_.end()) throw InternalError("attribute '" + name + "' is not set");
  return it->second;
}

int64_t Attrs::get_int(const std::string &name) const {
  const AttrValue &v = get(name);
  if (auto i = std::get_if<int64_t>(&v)) return *i;
  throw InternalError("attribute '" + name + "' is not an integer: " + attr_str(v));
}

double Attrs::get_float(const std::string &name) const {
  const AttrValue &v = get(name);
  if (auto d = std::get_if<double>(&v)) return *d;
  if (auto i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  throw InternalError("attribute '" + name + "' is not a number: " + attr_str(v));
}

const std::string &Attrs::get_string(const std::string &name) const {
  const AttrValue &v = get(name);
  if (auto s = std::get_if<std::string>(&v)) return *s;
  throw InternalError("attribute '" + name + "' is not a string: " + attr_str(v));
}

const std::vector<int64_t> &Attrs::get_ints(const std::string &name) const {
  const AttrValue &v = get(name);
  if (auto l = std::get_if<std::vector<int64_t>>(&v)) return *l;
  throw InternalError("attribute '" + name + "' is not an integer list: " + attr_str(v));
}

bool Attrs::is_string(const std::string &name) const {
  return has(name) && std::holds_alternative<std::string>(get(name));
}

}  // namespace kiln::ir
