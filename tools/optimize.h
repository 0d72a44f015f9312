// The optimization options shared by `kiln compile` and `kiln run`:
// -O LEVEL, --passes a,b,c, --print-after PASS, --print-after-all.
#pragma once

#include <vector>

#include "ir/graph.h"
#include "passes/pass_manager.h"
#include "tools/cli_args.h"

namespace kiln::tools {

std::vector<OptionSpec> optimize_options();
// Runs the passes the options select; prints IR dumps to stderr. Fills
// `records` with what each pass did.
ir::Graph optimize(const ir::Graph &g, const Args &args, std::vector<passes::PassRecord> *records);

}  // namespace kiln::tools
