// kiln bench: compile a model and time every kernel of the generated library,
// then the whole run; report GFLOP/s against this machine's measured FMA peak.
#include <cstdio>
#include <fstream>

#include "bench/bench_report.h"
#include "bench/model_bench.h"
#include "bench/peak_probe.h"
#include "bench/with_batch.h"
#include "frontend/load_model.h"
#include "ir/errors.h"
#include "tools/cli_args.h"
#include "tools/commands.h"
#include "tools/optimize.h"
#include "tune/tuning_db.h"

namespace kiln::tools {

namespace {

void write_json(const std::string &path, const nlohmann::json &j) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << j.dump(2) << "\n";
    if (!out) throw UserError(path + ": cannot write the JSON table");
  }
  std::rename(tmp.c_str(), path.c_str());
}

// The FMA peak at one core, at every core, and at the thread count the
// kernels use (measured once when that is one of the two). Called before and
// after the timing: each figure keeps its best, the one least disturbed by
// whatever else the machine runs.
void probe(int threads, bench::BenchReport &r) {
  auto best = [](bench::PeakResult &kept, const bench::PeakResult &now) {
    if (now.gflops > kept.gflops) kept = now;
  };
  int cores = bench::available_cores();
  best(r.peak_one_core, bench::measure_peak(1));
  best(r.peak_all_cores, bench::measure_peak(cores));
  if (threads == 1)
    r.peak_used = r.peak_one_core;
  else if (threads == cores)
    r.peak_used = r.peak_all_cores;
  else
    best(r.peak_used, bench::measure_peak(threads));
}

}  // namespace

int cmd_bench(int argc, char **argv) {
  std::vector<OptionSpec> spec = {
      {"batch", "N", "batch size (default: the spec's)"},
      {"repeat", "N", "timed runs (default 20); each kernel's time is its median"},
      {"warmup", "N", "untimed runs first (default 3)"},
      {"threads", "N", "worker threads of the library (default: all cores)"},
      {"seed", "N", "seed of the random inputs (default 0)"},
      {"json", "FILE", "also write the table as JSON"},
      {"tuning-db", "DB", "compile with the tuned schedules DB holds (kiln tune)"},
      {"peak", "", "only measure and print this machine's FP32 FMA peak"}};
  for (auto &o : optimize_options()) spec.push_back(o);
  Args args(
      "kiln bench MODEL [--batch N] [--repeat N] [--warmup N] [--threads N] [--json FILE] [-O "
      "LEVEL]\n"
      "       kiln bench --peak",
      "Compiles MODEL (kernels come from the cache when they can) and times the library:\n"
      "each kernel's median time, GFLOP/s, percent of this machine's measured FP32 FMA peak\n"
      "and share of the total, then the end-to-end latency and throughput. Progress goes to\n"
      "stderr, the table to stdout.",
      spec, argc, argv);
  if (args.help()) return std::printf("%s", args.help_text().c_str()), 0;
  const int threads_option = args.get_int("threads", 0);
  if (threads_option < 0) throw UserError("--threads must not be negative");
  const int threads = threads_option > 0 ? threads_option : bench::available_cores();
  if (args.flag("peak")) {
    args.expect_positional(0, "no MODEL with --peak");
    bench::BenchReport r;
    probe(threads, r);
    std::printf("%s", bench::format_peak(r.peak_one_core, r.peak_all_cores).c_str());
    return 0;
  }
  args.expect_positional(1, "one MODEL");

  ir::Graph g = frontend::load_model(args.positional()[0]);
  if (args.get("batch")) g = bench::with_batch(g, args.get_int("batch", 1));
  std::vector<passes::PassRecord> records;
  codegen::TunedLookup tuned;
  if (auto db = args.get("tuning-db")) tuned = tune::tuned_lookup(tune::read_db(*db));
  g = optimize(g, args, &records, tuned);

  bench::BenchOptions options;
  options.repeat = args.get_int("repeat", 20);
  options.warmup = args.get_int("warmup", 3);
  options.threads = threads;  // explicit, so HL_NUM_THREADS cannot make the report wrong
  options.seed = static_cast<uint64_t>(args.get_int("seed", 0));
  options.tuned = tuned;
  options.progress = [](const std::string &line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  bench::check_options(options);
  bench::BenchReport report;
  std::fprintf(stderr, "measuring the FMA peak\n");
  probe(threads, report);
  report.timing = bench::bench_model(g, options);
  report.threads = threads;
  report.repeat = options.repeat;
  report.warmup = options.warmup;
  std::fprintf(stderr, "measuring the FMA peak again\n");
  probe(threads, report);
  std::printf("%s", bench::format_report(report).c_str());
  if (auto path = args.get("json")) write_json(*path, bench::report_json(report));
  return 0;
}

}  // namespace kiln::tools
