// kiln's JSON model spec (docs/spec.md): a sequential list of layers, a graph
// of named nodes, or both mixed (a node may be a sequential block).
#pragma once

#include <string>

#include "frontend/load_options.h"
#include "ir/graph.h"

namespace kiln::frontend {

// Parses the spec text. `source` names the file in errors ("lenet5.json:
// layers[3].kernel: expected ..."); `base_dir` resolves a relative weights
// file. Throws UserError.
ir::Graph parse_json_spec(const std::string &text, const std::string &source,
                          const std::string &base_dir, const LoadOptions &options = {});
ir::Graph load_json_spec(const std::string &path, const LoadOptions &options = {});

}  // namespace kiln::frontend
