// kiln import: a model (an .onnx file) written as a kiln JSON spec and a
// weights file (frontend/spec_writer.h).
#include <cstdio>
#include <filesystem>

#include "frontend/load_model.h"
#include "frontend/spec_writer.h"
#include "ir/errors.h"
#include "tools/cli_args.h"
#include "tools/commands.h"
#include "tools/load_args.h"

namespace kiln::tools {

int cmd_import(int argc, char **argv) {
  Args args("kiln import MODEL -o SPEC.json [--weights FILE] [--input-shape NAME=DxD...]",
            "Writes MODEL (an .onnx model) as a kiln JSON spec (docs/spec.md) and its weights\n"
            "as a weights file (default: SPEC with .weights in place of .json). Loading the spec\n"
            "gives the graph kiln imports from MODEL.",
            {{"o", "SPEC", "the spec to write"},
             {"weights", "FILE", "the weights file to write"},
             input_shape_option()},
            argc, argv);
  if (args.help()) return std::printf("%s", args.help_text().c_str()), 0;
  args.expect_positional(1, "one MODEL");
  auto out = args.get("o");
  if (!out) throw UserError("missing -o SPEC.json");
  std::string weights =
      args.get_or("weights", std::filesystem::path(*out).replace_extension(".weights").string());
  if (weights == *out) throw UserError("the spec and the weights file must differ");
  const std::string &model = args.positional()[0];
  ir::Graph g = frontend::load_model(model, load_options(args));
  frontend::write_spec(
      g, *out, weights,
      "imported by kiln import from " + std::filesystem::path(model).filename().string());
  std::fprintf(stderr, "wrote %s (%zu nodes) and %s (%lld parameters)\n", out->c_str(),
               g.nodes.size(), weights.c_str(), static_cast<long long>(g.param_count()));
  return 0;
}

}  // namespace kiln::tools
