// One kernel as the tuner sees it: a node's op, attributes and tensor types,
// apart from its graph, so a worker process can rebuild it and a tuning
// record can be keyed by it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace kiln::tune {

struct KernelDesc {
  std::string name;  // the node's name where it was found (display only, not in the key)
  std::string op;
  ir::Attrs attrs;
  std::vector<ir::TensorType> inputs, outputs;  // node input order, parameters included
};

KernelDesc describe_kernel(const ir::Graph &g, const ir::Node &node);

// {"op", "attrs", "inputs", "outputs"} (types as "f32[1x3x8x8]"); the record's
// "kernel" field and the content its key hashes.
nlohmann::json kernel_json(const KernelDesc &k);
KernelDesc kernel_from_json(const nlohmann::json &j);

// The content hash of the kernel and the target string: the record key.
std::string record_key(const KernelDesc &k, const std::string &target);

// A graph holding only this kernel's node (every input a graph input); the
// node's id is 0.
ir::Graph one_node_graph(const KernelDesc &k);

}  // namespace kiln::tune
