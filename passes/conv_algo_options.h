// What select-algorithm is asked to do (`--conv-algo`) and what it decided,
// apart from the pass so the pass manager's options and records can hold them.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace kiln::passes {

struct ConvAlgoOptions {
  // auto | measure | direct | im2col | winograd | depthwise (conv_algo_modes()).
  std::string mode = "auto";
  // measure: the median milliseconds of `conv` (a conv2d node of `g`) run
  // with its `algorithm` attribute as given; throws when that candidate does
  // not compile or run. The tools pass bench/conv_candidate_timer.h; tests
  // inject timings.
  std::function<double(const ir::Graph &g, const ir::Node &conv)> time_ms;
  std::function<void(const std::string &)> progress;  // measure's lines; may be empty
  // The algorithm a tuning database recorded for `conv` (kiln compile
  // --tuning-db, tune/tuning_db.h), or nullopt. When it fits, it is taken
  // over the mode and over a value set in the model, so that
  // pretransform-winograd, which runs next, sees the tuned algorithm.
  std::function<std::optional<std::string>(const ir::Graph &g, const ir::Node &conv)>
      tuned_algorithm;
};

// The algorithm a conv2d node got, and why.
struct AlgorithmChoice {
  std::string node, algorithm, reason;
};

// The values --conv-algo accepts.
const std::vector<std::string> &conv_algo_modes();

}  // namespace kiln::passes
