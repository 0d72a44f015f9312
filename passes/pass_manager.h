// The pass manager: named Graph -> Graph passes run in order, with the
// verifier after each one and an optional IR dump.
//
// Optimization levels: -O0 runs nothing; -O1 and -O2 (the default) run the
// passes of `passes_for_level`. `--passes a,b,c` picks passes by name.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "passes/conv_algo_options.h"

namespace kiln::passes {

struct PassRecord {
  std::string name;
  size_t nodes_before = 0, nodes_after = 0;
  // What the pass did, per op: nodes after minus nodes before, nonzero only
  // (fuse-elementwise: {"relu": -3, "fused_elementwise": 2, ...}).
  std::map<std::string, int> op_changes;
  // select-algorithm: each conv2d's algorithm and why.
  std::vector<AlgorithmChoice> algorithm_choices;
  // Other facts worth reporting, one line each (pretransform-winograd: the
  // weights' growth).
  std::vector<std::string> notes;
};

struct PassOptions {
  std::vector<std::string> passes;
  std::vector<std::string> print_after;  // pass names, or "all"
  std::function<void(const std::string &)> print;  // receives the IR dumps
  ConvAlgoOptions conv_algo;  // select-algorithm's mode (--conv-algo)
};

struct Pass {
  std::string name;
  std::string summary;
  std::function<ir::Graph(const ir::Graph &)> run;
  // A pass that reads options or records decisions runs through this one
  // instead, when set.
  std::function<ir::Graph(const ir::Graph &, const PassOptions &, PassRecord &)> run_with_options;
};

// Every pass kiln has, in pipeline order.
const std::vector<Pass> &all_passes();
// The pass of that name; UserError listing the known ones otherwise.
const Pass &get_pass(const std::string &name);
// The pass names an optimization level runs (0, 1 or 2).
std::vector<std::string> passes_for_level(int level);

// Runs the passes in order; verifies the graph after each (InternalError
// naming the pass on a broken invariant). Fills `records` if given.
ir::Graph run_passes(const ir::Graph &g, const PassOptions &options,
                     std::vector<PassRecord> *records = nullptr);

}  // namespace kiln::passes
