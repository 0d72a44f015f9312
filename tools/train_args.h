// The training options of `kiln compile --train` (docs/training.md): the
// loss, the optimizer and its hyperparameters, the learning rate and its
// schedule, and the graphs a training library is compiled from.
#pragma once

#include <vector>

#include "ir/graph.h"
#include "passes/autodiff.h"
#include "tools/cli_args.h"

namespace kiln::tools {

std::vector<OptionSpec> training_options();

// What a training library is compiled from: the inference graph (only
// passes that keep the parameters as they are: eliminate-identity,
// fuse-epilogue, eliminate-dead-nodes) and the training graph.
struct TrainingSetup {
  ir::Graph inference;
  ir::Graph training;
};

// UserError for a bad option value (the message names the option).
passes::TrainingOptions parse_training_options(const Args &args);
TrainingSetup prepare_training(const ir::Graph &model, const passes::TrainingOptions &options);

}  // namespace kiln::tools
