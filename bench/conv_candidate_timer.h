// Timing one conv2d node alone with a given algorithm: the node (with its
// fused epilogue, its weights and input types) becomes a one-node graph,
// compiled through the ordinary path (the kernel cache keeps its object, so
// the model's own compile reuses the winner) and run in its own library.
// `--conv-algo measure` (passes/select_algorithm.h) and the cost model's
// measurement table (bench/conv_algo_table.cpp) use it.
#pragma once

#include "ir/graph.h"

namespace kiln::bench {

struct CandidateTiming {
  int warmup = 2;   // untimed runs first
  int repeat = 5;   // timed runs; the result is their median
  int threads = 0;  // the library's worker threads; 0: its default (one per core)
};

// `node` as the only node of a graph: its activation inputs become graph
// inputs, its parameters keep their data, its output is the graph output.
ir::Graph single_node_graph(const ir::Graph &g, const ir::Node &node);

// The median milliseconds of the node's kernel (timed inside the library,
// as `kiln bench` times kernels). Throws when it does not compile or run.
double time_node_alone(const ir::Graph &g, const ir::Node &node,
                       const CandidateTiming &timing = {});

}  // namespace kiln::bench
