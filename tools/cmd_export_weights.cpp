// kiln export-weights: writes the weights a spec builds (or loads) to a file.
#include <cstdio>

#include "frontend/load_model.h"
#include "frontend/weights_file.h"
#include "ir/errors.h"
#include "tools/cli_args.h"
#include "tools/commands.h"

namespace kiln::tools {

int cmd_export_weights(int argc, char **argv) {
  Args args("kiln export-weights MODEL -o FILE",
            "Writes every parameter of MODEL (initialized from its seed, or loaded from its\n"
            "weights file) to FILE in kiln's weights format (docs/spec.md), those of\n"
            "training-only outputs included.",
            {{"o", "FILE", "the weights file to write"}}, argc, argv);
  if (args.help()) return std::printf("%s", args.help_text().c_str()), 0;
  args.expect_positional(1, "one MODEL");
  auto out = args.get("o");
  if (!out) throw UserError("missing -o FILE");
  // Every parameter of the spec: a weights file also serves training.
  frontend::LoadOptions all_outputs;
  all_outputs.training = true;
  ir::Graph g = frontend::load_model(args.positional()[0], all_outputs);
  frontend::write_weights(g, *out);
  std::fprintf(stderr, "wrote %s (%lld parameters)\n", out->c_str(),
               static_cast<long long>(g.param_count()));
  return 0;
}

}  // namespace kiln::tools
