// Parsing the text of a JSON spec strictly: malformed JSON is reported with
// nlohmann's line and column, and a key given twice in one object (which JSON
// parsers otherwise resolve silently, keeping the last) is an error.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace kiln::frontend {

// Throws UserError "<source>: malformed JSON: ..." or
// "<source>: layers[2].kernel: the field \"kernel\" is given twice".
nlohmann::json parse_json_text(const std::string &text, const std::string &source);

}  // namespace kiln::frontend
