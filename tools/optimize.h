// The optimization options shared by `kiln compile` and `kiln run`:
// -O LEVEL, --passes a,b,c, --print-after PASS, --print-after-all, --conv-algo MODE.
#pragma once

#include <vector>

#include "codegen/compile_library.h"
#include "ir/graph.h"
#include "passes/pass_manager.h"
#include "tools/cli_args.h"

namespace kiln::tools {

std::vector<OptionSpec> optimize_options();
// --conv-algo MODE (passes/select_algorithm.h); part of optimize_options().
OptionSpec conv_algo_option();
// The select-algorithm options --conv-algo asks for; measure times the
// candidates with bench/conv_candidate_timer.h and prints its progress.
passes::ConvAlgoOptions conv_algo_options(const Args &args);
// Runs the passes the options select; prints IR dumps to stderr. Fills
// `records` with what each pass did. With `tuned` (a tuning database's
// lookup, for --target), select-algorithm takes each conv's tuned algorithm,
// so pretransform-winograd transforms the convs tuned to Winograd.
ir::Graph optimize(const ir::Graph &g, const Args &args, std::vector<passes::PassRecord> *records,
                   const codegen::TunedLookup &tuned = {});

}  // namespace kiln::tools
