// Per-layer figures of a graph, as `kiln inspect` prints them: output shape,
// parameters, multiply-accumulates and FLOPs, activation and weight memory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace kiln::ir {

struct LayerSummary {
  std::string node, op;
  Shape output_shape;
  int64_t params = 0;  // elements of the node's parameter inputs
  int64_t macs = 0, flops = 0;
  int64_t activation_bytes = 0;  // the node's outputs
};

struct GraphSummary {
  std::vector<LayerSummary> layers;
  int64_t params = 0, macs = 0, flops = 0;
  int64_t activation_bytes = 0;  // all node outputs, each counted once
  int64_t weight_bytes = 0;
};

GraphSummary summarize(const Graph &g);
// A fixed-width table with a totals line.
std::string format_summary(const Graph &g, const GraphSummary &s);

}  // namespace kiln::ir
