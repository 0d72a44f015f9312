// The kiln subcommands; each parses its own arguments and returns an exit code.
#pragma once

namespace kiln::tools {

int cmd_compile(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_export_weights(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_tune(int argc, char **argv);

}  // namespace kiln::tools
