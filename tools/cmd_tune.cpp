// kiln tune: search the schedules of a model's kernels on this machine and
// record the best in a tuning database (docs/tuning.md) that `kiln compile
// --tuning-db` reads. `kiln tune --worker JOB` is the worker process the
// tuner starts for each candidate (internal).
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "frontend/load_model.h"
#include "ir/errors.h"
#include "tools/cli_args.h"
#include "tools/commands.h"
#include "tools/load_args.h"
#include "tools/optimize.h"
#include "tune/measure.h"
#include "tune/tuner.h"

namespace kiln::tools {

namespace {

void print_summary(const tune::TuneSummary &s) {
  std::fprintf(stderr, "%d trials in %.1f s (%d discarded, %d resumed from the database)\n",
               s.trials, s.seconds, s.failures, s.resumed);
  for (const auto &k : s.kernels) {
    if (!k.why_not.empty() || !k.default_ms) {
      std::fprintf(stderr, "  %-20s %-10s not tuned: %s\n", k.name.c_str(), k.op.c_str(),
                   k.why_not.empty() ? "no trial finished" : k.why_not.c_str());
      continue;
    }
    std::fprintf(stderr, "  %-20s %-10s %8.4f ms -> %8.4f ms (%.2fx, %d trials%s)  %s\n",
                 k.name.c_str(), k.op.c_str(), *k.default_ms, *k.best_ms,
                 *k.default_ms / *k.best_ms, k.trials, k.remeasured ? ", re-measured" : "",
                 k.best_schedule.c_str());
  }
}

}  // namespace

int cmd_tune(int argc, char **argv) {
  std::vector<OptionSpec> spec = {
      {"tuning-db", "DB", "the tuning database to read and extend (created if missing)"},
      {"budget", "N|Nm", "trials (40) or minutes (5m) for the whole model"},
      {"resume", "", "continue from the trials DB holds for these kernels (not measured again)"},
      {"j", "N",
       "candidates compiled in parallel worker processes (default 2); timings never overlap"},
      {"target", "TARGET", "'host' (default) or a Halide target"},
      {"timeout", "S", "seconds before a worker is killed as hung (default 120)"},
      {"patience", "N", "trials without a 1% gain before a kernel stops (default 16)"},
      {"curve", "FILE",
       "append trial,seconds,best_sum_ms,default_sum_ms,remeasure per trial and re-measurement "
       "(CSV)"},
      {"quiet", "", "print only the summary"},
      {"worker", "JOB", "(internal) measure one candidate"}};
  for (auto &o : optimize_options()) spec.push_back(o);
  spec.push_back(input_shape_option());
  Args args(
      "kiln tune MODEL --tuning-db DB --budget N|Nm [--resume] [-j N]",
      "Searches the schedules of MODEL's kernels on this machine; every measurement is added to "
      "DB\n"
      "as it finishes. `kiln compile --tuning-db DB` then uses the best schedule of each kernel.",
      spec, argc, argv);
  if (args.help()) return std::printf("%s", args.help_text().c_str()), 0;
  if (auto job = args.get("worker")) return tune::run_worker(*job);
  args.expect_positional(1, "one MODEL");
  tune::TuneOptions o;
  auto db = args.get("tuning-db");
  if (!db) throw UserError("missing --tuning-db DB (the tuning database)");
  o.db_path = *db;
  auto budget = args.get("budget");
  if (!budget) throw UserError("missing --budget N (trials) or Nm (minutes)");
  tune::parse_budget(*budget, o);
  o.resume = args.flag("resume");
  o.workers = args.get_int("j", 2);
  if (o.workers < 1) throw UserError("-j must be at least 1");
  o.target = args.get_or("target", "host");
  o.trial_timeout_s = args.get_int("timeout", 120);
  o.patience = args.get_int("patience", 16);
  o.curve_csv = args.get_or("curve", "");
  if (const char *inject = std::getenv("KILN_TUNE_INJECT")) o.inject = inject;
  o.worker_exe = std::filesystem::read_symlink("/proc/self/exe").string();
  if (!args.flag("quiet"))
    o.progress = [](const std::string &line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  ir::Graph g =
      optimize(frontend::load_model(args.positional()[0], load_options(args)), args, nullptr);
  print_summary(tune::tune_graph(g, o));
  return 0;
}

}  // namespace kiln::tools
