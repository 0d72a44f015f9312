// `kiln tune`: searches the schedules of a graph's kernels on this machine
// and records every measurement in the tuning database as it finishes.
//
// Each distinct kernel (by record key) with a knob space gets its default
// schedule measured first (the baseline, and the output later candidates are
// checked against, itself checked against the reference interpreter), the
// biggest kernels' first; then candidates from its KernelSearch, seeds
// (other algorithms, default knobs, Halide's autoschedulers) first. The
// budget is shared: the next job goes to the kernel whose next candidate
// promises the most milliseconds (its time times the search's prior); a
// kernel stops early when its search converges. A suspiciously large new
// best is re-measured at once, and when the search ends each kernel's
// default and best candidates are re-measured interleaved and their medians
// recorded (docs/tuning.md). Candidates run in worker processes
// (WorkerPool), -j at a time; failures are discarded, logged to
// DB.failures.log, and never recorded.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace kiln::tune {

struct TuneOptions {
  std::string db_path;
  int max_trials = 0;      // 0: no trial limit
  double max_seconds = 0;  // 0: no time limit (one of the two must be set)
  // Continue from the trials the database holds for these kernels: they are
  // not measured again and count toward the budget.
  bool resume = false;
  int workers = 1;
  std::string worker_exe;  // the kiln binary (runs `kiln tune --worker JOB`)
  std::string target = "host";
  double trial_timeout_s = 120;
  int patience = 16;  // trials without a 1% gain before a kernel stops
  uint64_t seed = 1;
  // Test hook ($KILN_TUNE_INJECT): "crash@3,wrong@5,hang@7" breaks the
  // candidates launched 3rd, 5th and 7th in this run (defaults never).
  std::string inject;
  std::string curve_csv;  // "": none; else trial,seconds,best_sum_ms,default_sum_ms per trial
  std::function<void(const std::string &)> progress;
};

struct KernelOutcome {
  std::string name, op, key;
  std::string why_not;  // not tuned: why
  std::optional<double> default_ms, best_ms;
  std::string best_schedule;
  int trials = 0, failures = 0;
  bool remeasured = false;  // best_ms and default_ms are medians of a re-measurement
};

struct TuneSummary {
  std::vector<KernelOutcome> kernels;
  int trials = 0;    // measured in this run (failures included)
  int failures = 0;  // discarded candidates
  int resumed = 0;   // trials taken from the database (--resume)
  double seconds = 0;
  std::vector<std::string> failure_log;
};

TuneSummary tune_graph(const ir::Graph &g, const TuneOptions &options);

// "40" -> 40 trials; "5m" -> 300 s; "90s" -> 90 s. UserError otherwise.
void parse_budget(const std::string &text, TuneOptions &options);

}  // namespace kiln::tune
