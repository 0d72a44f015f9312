// kiln compile: a model into libNAME.so, libNAME.a and NAME.h.
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "codegen/compile_library.h"
#include "codegen/kernel_compiler.h"
#include "frontend/load_model.h"
#include "ir/errors.h"
#include "tools/cli_args.h"
#include "tools/commands.h"
#include "tools/optimize.h"

namespace kiln::tools {

namespace {

void write_report(const std::string &path, const std::vector<passes::PassRecord> &records,
                  const codegen::CompileReport &r) {
  nlohmann::json j;
  j["library"] = r.name;
  for (const auto &p : records)
    j["passes"].push_back({{"pass", p.name}, {"nodes_before", p.nodes_before}, {"nodes_after", p.nodes_after}});
  for (const auto &k : r.kernels)
    j["kernels"].push_back({{"node", k.node}, {"op", k.op}, {"function", k.fn_name}, {"schedule", k.schedule},
                            {"cached", k.from_cache}, {"compile_seconds", k.seconds}});
  j["memory"] = {{"arena_bytes", r.memory.arena_bytes},
                 {"lower_bound_bytes", r.memory.lower_bound_bytes},
                 {"naive_bytes", r.memory.naive_bytes},
                 {"weights_bytes", r.weights_bytes}};
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << j.dump(2) << "\n";
    if (!out) throw UserError(path + ": cannot write the report");
  }
  std::rename(tmp.c_str(), path.c_str());
}

}  // namespace

int cmd_compile(int argc, char **argv) {
  std::vector<OptionSpec> options_spec = {
      {"o", "DIR", "output folder (created if missing)"},
      {"name", "NAME", "library name, a C identifier (default: the model's name)"},
      {"target", "TARGET", "'host' (default) or a Halide target, e.g. x86-64-linux-avx2"},
      {"no-cache", "", "compile every kernel afresh, bypassing the kernel cache"},
      {"quiet", "", "print nothing but errors"},
      {"report", "FILE", "write what the compile did (passes, kernels, memory plan) as JSON"}};
  for (auto &o : optimize_options()) options_spec.push_back(o);
  Args args("kiln compile MODEL -o DIR [--name NAME] [--target TARGET] [-O LEVEL]",
            "Compiles MODEL (a .json spec) into DIR/libNAME.so, DIR/libNAME.a and DIR/NAME.h.\n"
            "Link a C program with -lNAME (add -lpthread -ldl -lm for the static library).",
            options_spec, argc, argv);
  if (args.help()) return std::printf("%s", args.help_text().c_str()), 0;
  args.expect_positional(1, "one MODEL");
  auto out = args.get("o");
  if (!out) throw UserError("missing -o DIR (the output folder)");
  std::vector<passes::PassRecord> records;
  ir::Graph g = optimize(frontend::load_model(args.positional()[0]), args, &records);

  codegen::CompileOptions options;
  options.out_dir = *out;
  options.name = args.get_or("name", "");
  options.target = args.get_or("target", "host");
  options.cache_dir = args.flag("no-cache") ? "" : codegen::default_cache_dir();
  bool quiet = args.flag("quiet");
  if (!quiet)
    for (const auto &r : records)
      std::fprintf(stderr, "pass %-22s nodes %zu -> %zu\n", r.name.c_str(), r.nodes_before, r.nodes_after);
  if (!quiet) options.progress = [](const std::string &line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  codegen::CompileReport r = codegen::compile_library(g, options);
  if (!quiet) {
    int cached = 0;
    for (const auto &k : r.kernels) cached += k.from_cache;
    std::fprintf(stderr,
                 "wrote %s, %s, %s\n  %zu kernels (%d from the cache), weights %.1f KiB, "
                 "arena %.1f KiB (lower bound %.1f KiB, one buffer per tensor %.1f KiB)\n",
                 r.shared_library.c_str(), r.static_library.c_str(), r.header.c_str(),
                 r.kernels.size(), cached, r.weights_bytes / 1024.0, r.memory.arena_bytes / 1024.0,
                 r.memory.lower_bound_bytes / 1024.0, r.memory.naive_bytes / 1024.0);
  }
  if (auto path = args.get("report")) write_report(*path, records, r);
  return 0;
}

}  // namespace kiln::tools
