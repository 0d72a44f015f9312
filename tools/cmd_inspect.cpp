// kiln inspect: the graph with output shapes, parameters and FLOPs per layer.
#include <cstdio>

#include "frontend/load_model.h"
#include "ir/printer.h"
#include "ir/summary.h"
#include "tools/cli_args.h"
#include "tools/commands.h"

namespace kiln::tools {

int cmd_inspect(int argc, char **argv) {
  Args args("kiln inspect MODEL [--ir]",
            "Prints every layer of MODEL (a .json spec) with its output shape, parameter count,\n"
            "multiply-accumulates and FLOPs, and the totals.",
            {{"ir", "", "also print the graph IR as text"}}, argc, argv);
  if (args.help()) return std::printf("%s", args.help_text().c_str()), 0;
  args.expect_positional(1, "one MODEL");
  ir::Graph g = frontend::load_model(args.positional()[0]);
  std::printf("model %s\n\n%s", g.name.c_str(), ir::format_summary(g, ir::summarize(g)).c_str());
  if (args.flag("ir")) std::printf("\n%s", ir::print_graph(g).c_str());
  return 0;
}

}  // namespace kiln::tools
