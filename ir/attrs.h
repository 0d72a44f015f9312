// Node attributes: a small typed map with checked getters.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace kiln::ir {

using AttrValue = std::variant<int64_t, double, std::string, std::vector<int64_t>>;

std::string attr_str(const AttrValue &v);

class Attrs {
 public:
  void set(const std::string &name, AttrValue v) { map_[name] = std::move(v); }
  bool has(const std::string &name) const { return map_.count(name) != 0; }
  const AttrValue &get(const std::string &name) const;

  int64_t get_int(const std::string &name) const;
  double get_float(const std::string &name) const;  // accepts ints too
  const std::string &get_string(const std::string &name) const;
  const std::vector<int64_t> &get_ints(const std::string &name) const;
  bool is_string(const std::string &name) const;

  const std::map<std::string, AttrValue> &all() const { return map_; }
  bool operator==(const Attrs &o) const { return map_ == o.map_; }

 private:
  std::map<std::string, AttrValue> map_;
};

}  // namespace kiln::ir
