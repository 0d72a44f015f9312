// kiln: the command line. `kiln SUBCOMMAND --help` explains each one.
#include <cstdio>
#include <cstring>
#include <exception>

#include "ir/errors.h"
#include "tools/commands.h"

namespace {

struct Command {
  const char *name;
  int (*run)(int, char **);
  const char *summary;
};

const Command kCommands[] = {
    {"compile", kiln::tools::cmd_compile, "compile a model into libNAME.so, libNAME.a and NAME.h"},
    {"run", kiln::tools::cmd_run, "run a model on an input file or a seeded random input"},
    {"inspect", kiln::tools::cmd_inspect, "print the graph: shapes, parameters, FLOPs per layer"},
    {"export-weights", kiln::tools::cmd_export_weights, "write a model's weights to a weights file"},
    {"import", kiln::tools::cmd_import, "write an .onnx model as a kiln JSON spec and weights file"},
    {"bench", kiln::tools::cmd_bench, "time every kernel of a compiled model against the FMA peak"},
    {"tune", kiln::tools::cmd_tune, "search kernel schedules on this machine into a tuning database"},
};

void usage(FILE *out) {
  std::fprintf(out, "usage: kiln COMMAND [options]   (kiln COMMAND --help for details)\n\ncommands:\n");
  for (const auto &c : kCommands) std::fprintf(out, "  %-16s %s\n", c.name, c.summary);
}

}  // namespace

int main(int argc, char **argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  for (const auto &c : kCommands) {
    if (std::strcmp(argv[1], c.name) != 0) continue;
    try {
      return c.run(argc - 2, argv + 2);
    } catch (const kiln::UserError &e) {
      std::fprintf(stderr, "kiln %s: error: %s\n", c.name, e.what());
      return 1;
    } catch (const std::exception &e) {
      std::fprintf(stderr, "kiln %s: %s\n(this is a bug in kiln; please report it)\n", c.name, e.what());
      return 3;
    }
  }
  std::fprintf(stderr, "kiln: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return 2;
}
