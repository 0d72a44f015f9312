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
  // conv2d: the library feeds a Winograd kernel of this conv its filter
  // transformed at compile time (pass pretransform-winograd), so Winograd
  // candidates are measured that way. Not in the key.
  bool pretransform_winograd = false;
};

// A conv2d whose Winograd filter was transformed at compile time is
// described as the conv it was (its original weight shape, no
// `weights_pretransformed`), with pretransform_winograd set: the same kernel
// to the tuner, and the same record key, whether or not it was transformed.
// pretransform_winograd is also set for a conv whose weight the pass would
// transform if the conv were Winograd's (a parameter of an inference graph).
KernelDesc describe_kernel(const ir::Graph &g, const ir::Node &node);

// {"op", "attrs", "inputs", "outputs"} (types as "f32[1x3x8x8]"); the record's
// "kernel" field and the content its key hashes.
nlohmann::json kernel_json(const KernelDesc &k);
KernelDesc kernel_from_json(const nlohmann::json &j);

// The content hash of the kernel and the target string: the record key.
// A conv2d's `algorithm` is left out: one record per conv, whichever
// algorithm select-algorithm gave it (the tuner searches them all, and the
// record's choice names the algorithm).
std::string record_key(const KernelDesc &k, const std::string &target);

// A graph holding only this kernel's node (every input a graph input); the
// node's id is 0.
ir::Graph one_node_graph(const KernelDesc &k);

}  // namespace kiln::tune
