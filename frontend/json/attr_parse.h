// Converting a layer's JSON fields into op attributes, by attribute kind.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "ir/op.h"

namespace kiln::frontend {

// Converts `value` for `spec`; throws UserError "<where>: expected ..., got ..."
// (where is "file: layers[3].kernel").
ir::AttrValue parse_attr(const ir::AttrSpec &spec, const nlohmann::json &value, const std::string &where);

}  // namespace kiln::frontend
