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
#include "tools/load_args.h"
#include "tools/optimize.h"
#include "tools/train_args.h"
#include "tune/tuning_db.h"

namespace kiln::tools {

namespace {

void write_report(const std::string &path, const std::vector<passes::PassRecord> &records,
                  const codegen::CompileReport &r) {
  nlohmann::json j;
  j["library"] = r.name;
  for (const auto &p : records)
    j["passes"].push_back({{"pass", p.name},
                           {"nodes_before", p.nodes_before},
                           {"nodes_after", p.nodes_after},
                           {"op_changes", p.op_changes},
                           {"notes", p.notes}});
  j["conv_algorithms"] = nlohmann::json::array();
  for (const auto &p : records)
    for (const auto &c : p.algorithm_choices)
      j["conv_algorithms"].push_back({{"node", c.node}, {"algorithm", c.algorithm}, {"reason", c.reason}});
  for (const auto &k : r.kernels)
    j["kernels"].push_back({{"node", k.node}, {"op", k.op}, {"function", k.fn_name}, {"schedule", k.schedule},
                            {"cached", k.from_cache}, {"compile_seconds", k.seconds},
                            {"tuned", k.tuned}});
  j["memory"] = {{"arena_bytes", r.memory.arena_bytes},
                 {"in_place_values", r.memory.in_place_count()},
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

// "  (relu -2, fused_elementwise +1)", or "" when no op count changed.
std::string describe_changes(const std::map<std::string, int> &changes) {
  std::string s;
  for (const auto &[op, delta] : changes)
    s += (s.empty() ? "  (" : ", ") + op + " " + (delta > 0 ? "+" : "") + std::to_string(delta);
  return s.empty() ? s : s + ")";
}

}  // namespace

int cmd_compile(int argc, char **argv) {
  std::vector<OptionSpec> options_spec = {
      {"o", "DIR", "output folder (created if missing)"},
      {"name", "NAME", "library name, a C identifier (default: the model's name)"},
      {"target", "TARGET", "'host' (default) or a Halide target, e.g. x86-64-linux-avx2"},
      {"no-cache", "", "compile every kernel afresh, bypassing the kernel cache"},
      {"quiet", "", "print nothing but errors"},
      {"report", "FILE", "write what the compile did (passes, conv algorithms, kernels, memory plan) as JSON"},
      {"tuning-db", "DB", "use the tuned schedules DB holds (kiln tune; defaults for other kernels)"}};
  for (auto &o : optimize_options()) options_spec.push_back(o);
  for (auto &o : training_options()) options_spec.push_back(o);
  options_spec.push_back(input_shape_option());
  Args args("kiln compile MODEL -o DIR [--name NAME] [--target TARGET] [-O LEVEL]",
            "Compiles MODEL (a .json spec or an .onnx model) into DIR/libNAME.so, DIR/libNAME.a and DIR/NAME.h.\n"
            "Link a C program with -lNAME (add -lpthread -ldl -lm for the static library).",
            options_spec, argc, argv);
  if (args.help()) return std::printf("%s", args.help_text().c_str()), 0;
  args.expect_positional(1, "one MODEL");
  auto out = args.get("o");
  if (!out) throw UserError("missing -o DIR (the output folder)");
  std::vector<passes::PassRecord> records;
  const bool train = args.flag("train");
  if (!train)
    for (const auto &o : training_options())
      if (args.get(o.name)) throw UserError("--" + o.name + " needs --train");
  if (train && (args.get("O") || args.get("passes")))
    throw UserError("--train runs its own passes; drop -O and --passes");
  // Training keeps the parameters as they are: no folding (tools/train_args.h).
  TrainingSetup training;
  if (train)
    training = prepare_training(frontend::load_model(args.positional()[0], load_options(args)),
                                parse_training_options(args));
  // With a tuning database, select-algorithm takes the tuned algorithms too.
  codegen::TunedLookup tuned;
  if (auto db = args.get("tuning-db")) tuned = tune::tuned_lookup(tune::read_db(*db));
  ir::Graph g = train ? training.inference
                      : optimize(frontend::load_model(args.positional()[0], load_options(args)), args, &records,
                                 tuned);

  codegen::CompileOptions options;
  options.out_dir = *out;
  options.name = args.get_or("name", "");
  options.target = args.get_or("target", "host");
  options.cache_dir = args.flag("no-cache") ? "" : codegen::default_cache_dir();
  if (train) options.train_graph = &training.training;
  options.tuned = tuned;
  bool quiet = args.flag("quiet");
  if (!quiet)
    for (const auto &r : records)
      std::fprintf(stderr, "pass %-22s nodes %zu -> %zu%s\n", r.name.c_str(), r.nodes_before, r.nodes_after,
                   describe_changes(r.op_changes).c_str());
  if (!quiet)
    for (const auto &r : records)
      for (const auto &c : r.algorithm_choices)
        std::fprintf(stderr, "conv %-20s %-12s %s\n", c.node.c_str(), c.algorithm.c_str(), c.reason.c_str());
  if (!quiet)
    for (const auto &r : records)
      for (const auto &note : r.notes) std::fprintf(stderr, "pass %s: %s\n", r.name.c_str(), note.c_str());
  if (!quiet) options.progress = [](const std::string &line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  codegen::CompileReport r = codegen::compile_library(g, options);
  if (!quiet) {
    int cached = 0, tuned = 0;
    for (const auto &k : r.kernels) cached += k.from_cache, tuned += k.tuned;
    std::fprintf(stderr,
                 "wrote %s, %s, %s\n  %zu kernels (%d from the cache), weights %.1f KiB, "
                 "arena %.1f KiB (lower bound %.1f KiB, one buffer per tensor %.1f KiB)\n",
                 r.shared_library.c_str(), r.static_library.c_str(), r.header.c_str(),
                 r.kernels.size(), cached, r.weights_bytes / 1024.0, r.memory.arena_bytes / 1024.0,
                 r.memory.lower_bound_bytes / 1024.0, r.memory.naive_bytes / 1024.0);
    if (options.tuned) {
      std::fprintf(stderr, "  %d of %zu kernels tuned (tuning database %s)%s", tuned, r.kernels.size(),
                   args.get("tuning-db")->c_str(), tuned ? ":" : "\n");
      for (const auto &k : r.kernels)
        if (k.tuned) std::fprintf(stderr, " %s", k.node.c_str());
      if (tuned) std::fprintf(stderr, "\n");
    }
  }
  if (auto path = args.get("report")) write_report(*path, records, r);
  return 0;
}

}  // namespace kiln::tools
