// Adding one op layer of a JSON spec to the graph: its attributes, its
// parameters (named and initialized as docs/spec.md says), the node, and the
// activation shorthand. json_spec.cpp decides where layers sit and what they
// read; this file knows nothing of the spec's two forms.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "frontend/json/spec_errors.h"
#include "frontend/json/weight_init.h"
#include "ir/graph.h"
#include "ir/op.h"

namespace kiln::frontend {

// The graph a spec is building, and what the spec's names refer to.
struct SpecGraph {
  explicit SpecGraph(std::string source) : errors(std::move(source)) {}

  SpecErrors errors;
  ir::Graph graph;
  // Spec names (inputs, layers, nodes, blocks, "block.layer") -> value ids.
  // A layer with an activation refers to the activated value.
  std::map<std::string, int> names;
  InitScheme scheme = InitScheme::Glorot;
  uint64_t seed = 0;
};

// Where a layer sits in the spec.
struct LayerSite {
  std::string path;  // "layers[3]", "nodes[2].layers[0]"
  std::string name;  // its node name in the IR ("block1.conv_a")
  bool in_sequence;  // in a sequential list, reading the previous output
};

// The activations the "activation" field may name.
const std::vector<std::string> &activation_names();

// Adds the layer of op `def` reading `inputs` (value ids) and returns the
// value id its name refers to. Throws UserError naming `site.path`.
int add_op_layer(SpecGraph &spec, const ir::OpDef &def, const nlohmann::json &layer,
                 const LayerSite &site, const std::vector<int> &inputs);

}  // namespace kiln::frontend
