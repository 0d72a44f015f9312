// Measuring one candidate, in a worker process (`kiln tune --worker JOB`):
// the kernel is rebuilt from its description, lowered with the candidate's
// choice, JIT-compiled, checked, then timed while holding the machine-wide
// measuring lock (compiles overlap, timings do not). The check compares the
// output on seeded random inputs with the reference interpreter (the
// kernel's first job, which saves its output) or with that saved output.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "codegen/compile_library.h"
#include "tune/kernel_desc.h"

namespace kiln::tune {

struct MeasureJob {
  KernelDesc kernel;
  std::string target;
  bool is_default = false;  // no choice: the default heuristic
  codegen::TunedChoice choice;
  std::string expected_path;  // compare with this output; "" or missing: the reference
  std::string save_expected;  // write the checked output here (when checked on the reference)
  std::string measure_lock;   // flock held while timing
  double tolerance = 5e-3;    // |got - want| <= tol * (1 + |want|)
  double min_ms = 40;         // time at least this long (and 5 runs)
  // Test hook ($KILN_TUNE_INJECT): "crash", "hang" or "wrong" breaks this candidate.
  std::string inject;
  // A re-measurement instead (when not empty): these candidates (true: the
  // default heuristic) are compiled and checked, then timed `rounds` times
  // in turn, each round a median of at least one run and min_ms.
  std::vector<std::pair<bool, codegen::TunedChoice>> batch;
  int rounds = 5;
};

struct MeasureResult {
  bool ok = false;
  std::string error;  // why not ok
  double median_ms = 0;
  std::string schedule;  // the lowering's description
  // A re-measurement: per candidate, its rounds and their median (0 and no
  // rounds for a candidate that failed; `error` says why).
  std::vector<std::vector<double>> batch_samples;
  std::vector<double> batch_ms;
};

nlohmann::json job_json(const MeasureJob &j);
MeasureJob job_from_json(const nlohmann::json &j);
nlohmann::json result_json(const MeasureResult &r);
MeasureResult result_from_json(const nlohmann::json &j);

// Runs the job in this process (what the worker does).
MeasureResult measure(const MeasureJob &job);

// The worker's main: reads JOB (JSON), writes its result to JOB.result.
int run_worker(const std::string &job_path);

}  // namespace kiln::tune
