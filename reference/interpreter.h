// The reference interpreter: runs a graph node by node with plain, obviously
// correct C++ kernels (reference/ops/). It is the oracle that every compiled
// kernel is checked against, so it favours clarity over speed (it does
// accumulate in double to keep its own rounding error small).
#pragma once

#include <vector>

#include "ir/graph.h"
#include "reference/tensor.h"

namespace kiln::reference {

// A reference kernel: the node's outputs from its inputs (parameters
// included, in the node's input order).
using RefKernel = std::vector<Tensor> (*)(const ir::Node &node,
                                          const std::vector<const Tensor *> &inputs);

// The kernel of `op`; throws InternalError if the op has none.
RefKernel ref_kernel(const std::string &op);

// Runs one node on the given inputs.
std::vector<Tensor> run_node(const ir::Node &node, const std::vector<const Tensor *> &inputs);

// Runs the whole graph; `inputs` in the order of g.inputs, checked against
// their declared shapes (UserError on mismatch). Returns the graph outputs.
std::vector<Tensor> run_graph(const ir::Graph &g, const std::vector<Tensor> &inputs);

}  // namespace kiln::reference
