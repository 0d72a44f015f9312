#include "frontend/json/spec_errors.h"

#include <algorithm>
#include <cctype>

#include "ir/errors.h"

namespace kiln::frontend {

namespace {

size_t edit_distance(const std::string &a, const std::string &b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); j++) row[j] = j;
  for (size_t i = 1; i <= a.size(); i++) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); j++) {
      size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitute});
    }
  }
  return row[b.size()];
}

bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

}  // namespace

std::string json_field(const std::string &path, const std::string &field) {
  return path.empty() ? field : path + "." + field;
}

std::string json_index(const std::string &path, size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

std::string json_excerpt(const nlohmann::json &value) {
  // Invalid UTF-8 cannot come from the parser; replace it rather than throw.
  std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return text.size() <= 60 ? text : text.substr(0, 57) + "...";
}

std::string closest_match(const std::string &word, const std::vector<std::string> &candidates) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto &c : candidates) {
    size_t d = edit_distance(word, c);
    if (d < best_distance) best = c, best_distance = d;
  }
  return best;
}

std::string join_names(const std::vector<std::string> &names) {
  std::string out;
  for (const auto &n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

bool is_c_identifier(const std::string &s) {
  return !s.empty() && !std::isdigit(static_cast<unsigned char>(s[0])) &&
         std::all_of(s.begin(), s.end(), is_name_char);
}

bool is_spec_name(const std::string &s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return is_name_char(c) || c == '-'; });
}

std::string SpecErrors::where(const std::string &path) const {
  return path.empty() ? source_ : source_ + ": " + path;
}

void SpecErrors::fail(const std::string &path, const std::string &message) const {
  throw UserError(where(path) + ": " + message);
}

void SpecErrors::check_fields(const nlohmann::json &object, const std::string &path,
                              const std::vector<std::string> &known,
                              const std::string &what) const {
  for (const auto &item : object.items()) {
    const std::string &key = item.key();
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string guess = closest_match(key, known);
    std::vector<std::string> sorted = known;
    std::sort(sorted.begin(), sorted.end());
    fail(json_field(path, key), "unknown field \"" + key + "\" for " + what +
                                    (guess.empty() ? "" : " (did you mean \"" + guess + "\"?)") +
                                    "; the known fields are " + join_names(sorted));
  }
}

std::string SpecErrors::get_string(const nlohmann::json &object, const std::string &path,
                                   const std::string &field, const std::string &expected) const {
  if (!object.contains(field))
    fail(path, "missing the field \"" + field + "\": expected " + expected);
  const nlohmann::json &v = object[field];
  if (!v.is_string())
    fail(json_field(path, field), "expected " + expected + ", got " + json_excerpt(v));
  return v.get<std::string>();
}

std::string SpecErrors::get_name(const nlohmann::json &object, const std::string &path,
                                 const std::string &field) const {
  const std::string what = "a name of letters, digits, '_' and '-'";
  std::string name = get_string(object, path, field, what);
  if (!is_spec_name(name))
    fail(json_field(path, field), "expected " + what + ", got " + json_excerpt(name));
  return name;
}

}  // namespace kiln::frontend
