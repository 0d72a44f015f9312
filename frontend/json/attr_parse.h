// Converting a layer's JSON fields into op attributes, by attribute kind
// (docs/spec.md, "Attribute values").
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "frontend/json/spec_errors.h"
#include "ir/op.h"

namespace kiln::frontend {

// Converts `value` for `spec`; throws UserError "<where>: expected ..., got ..."
// (where is "file: layers[3].kernel").
ir::AttrValue parse_attr(const ir::AttrSpec &spec, const nlohmann::json &value,
                         const std::string &where);

// The attributes of the layer at `path`: each field of `layer` named after one
// of the op's attributes (not the internal ones, which passes set), then the
// defaults. A missing required attribute is reported at `label`
// ("layers[2] (conv2d 'conv2d_2')"), naming the attribute and its meaning.
ir::Attrs parse_layer_attrs(const ir::OpDef &def, const nlohmann::json &layer,
                            const SpecErrors &errors, const std::string &path,
                            const std::string &label);

}  // namespace kiln::frontend
