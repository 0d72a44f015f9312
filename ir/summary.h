// Per-layer figures of a graph, as `kiln inspect` prints them: output shape,
// parameters, multiply-accumulates and FLOPs, activation and weight memory.
//
// Conventions (docs/zoo.md says why each one matches the published tables):
// - params: trainable parameter elements (conv and dense weights and biases,
//   batch-norm gamma and beta), as PyTorch's parameters() and Keras's
//   "trainable params" count them; buffers: the other parameter elements
//   (batch norm's running mean and variance).
// - macs: multiply-accumulates of conv2d and dense; flops: a MAC counts as 2,
//   plus the op's elementwise operations (each op's `cost`).
// - activation values: every node output, each counted once; stored
//   activations (the lecture-table count): the graph inputs plus every node
//   output except those of nodes that may overwrite their input (in_place).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ir/graph.h"

namespace kiln::ir {

struct LayerSummary {
  std::string node, op;
  Shape output_shape;
  int64_t params = 0;   // trainable parameter elements
  int64_t buffers = 0;  // non-trainable parameter elements
  // Elements per parameter input, by the op's input name ("weight", "bias", ...).
  std::vector<std::pair<std::string, int64_t>> param_inputs;
  int64_t macs = 0, flops = 0;
  int64_t activation_values = 0, activation_bytes = 0;  // the node's outputs
  int64_t weight_bytes = 0;                             // the node's parameters and buffers
  // Reads one activation that nothing else reads and writes one tensor of the
  // same size (relu after a conv, dropout, flatten): it may overwrite its
  // input, so the lecture-table count leaves its output out.
  bool in_place = false;
};

struct GraphSummary {
  std::vector<LayerSummary> layers;
  int64_t params = 0, buffers = 0, macs = 0, flops = 0;
  int64_t input_values = 0;
  int64_t activation_values = 0, activation_bytes = 0;  // every node output once
  // Graph inputs plus the outputs of layers that are not in_place.
  int64_t stored_activation_values = 0, stored_activation_bytes = 0;
  int64_t weight_bytes = 0;  // parameters and buffers
};

GraphSummary summarize(const Graph &g);
// A fixed-width table with a totals line and the conventions.
std::string format_summary(const Graph &g, const GraphSummary &s);

}  // namespace kiln::ir
