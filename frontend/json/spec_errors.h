// Turning a mistake in a JSON spec into a one-line UserError that starts with
// the file name and the JSON path of the offending field:
//
//   lenet5.json: layers[3].kernel: expected an integer or [height, width], got "5x5"
//
// plus the small checks every part of the spec loader shares (unknown fields,
// names, typo suggestions).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kiln::frontend {

// "layers[3]" + "kernel" -> "layers[3].kernel"; "" + "name" -> "name".
std::string json_field(const std::string &path, const std::string &field);
// "layers" + 3 -> "layers[3]".
std::string json_index(const std::string &path, size_t index);
// A JSON value as it appears in a message: compact, cut after 60 characters.
std::string json_excerpt(const nlohmann::json &value);

// The candidate a misspelt `word` most likely meant, or "" when none is close.
std::string closest_match(const std::string &word, const std::vector<std::string> &candidates);
// "a, b, c".
std::string join_names(const std::vector<std::string> &names);

// [A-Za-z_][A-Za-z0-9_]*: model names, which name C symbols.
bool is_c_identifier(const std::string &s);
// [A-Za-z0-9_-]+: names of inputs, layers and nodes. '.' and ':' are left
// for the names kiln derives from them (c1.weight, c1.relu, block.conv).
bool is_spec_name(const std::string &s);

class SpecErrors {
 public:
  explicit SpecErrors(std::string source) : source_(std::move(source)) {}

  const std::string &source() const { return source_; }
  // "file: path" (just "file" for the top level).
  std::string where(const std::string &path) const;
  [[noreturn]] void fail(const std::string &path, const std::string &message) const;

  // Fails on the first field of `object` that is not in `known`, naming
  // `what` ("conv2d") and listing the known fields.
  void check_fields(const nlohmann::json &object, const std::string &path,
                    const std::vector<std::string> &known, const std::string &what) const;
  // The string at `object[field]`, which must be present.
  std::string get_string(const nlohmann::json &object, const std::string &path,
                         const std::string &field, const std::string &expected) const;
  // A spec name at `object[field]` (is_spec_name).
  std::string get_name(const nlohmann::json &object, const std::string &path,
                       const std::string &field) const;

 private:
  std::string source_;
};

}  // namespace kiln::frontend
