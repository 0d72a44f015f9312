// select-algorithm: sets the `algorithm` attribute of every conv2d whose
// value is "auto" (ir/ops/conv_algorithm.h lists the algorithms), and says
// why. A value the user set in the spec is kept.
//
// Modes (ConvAlgoOptions::mode, `--conv-algo`):
//   auto      the fastest fitting algorithm by the cost model
//             (passes/conv_cost_model.h), among those whose lowering exists
//   measure   compile and time every fitting candidate, keep the fastest;
//             a candidate that fails is skipped with its reason
//   direct, im2col, depthwise   that algorithm where it fits, auto elsewhere
//   winograd  winograd_f2 or winograd_f4 (the model picks) where they fit
//
// With ConvAlgoOptions::tuned_algorithm (kiln compile --tuning-db), a
// conv's tuned algorithm wins over all of these.
//
// The pass runs after the fusions, so it sees the convolutions (with their
// epilogues) that become kernels.
#pragma once

#include <vector>

#include "ir/graph.h"
#include "passes/conv_algo_options.h"
#include "passes/conv_cost_model.h"

namespace kiln::passes {

// UserError for an unknown mode, or measure without a timer. Appends one
// choice per conv2d (in node order) to `choices` when given.
ir::Graph select_algorithm(const ir::Graph &g, const ConvAlgoOptions &options,
                           std::vector<AlgorithmChoice> *choices = nullptr,
                           const CostModelConstants &model = fitted_conv_cost_model());

}  // namespace kiln::passes
