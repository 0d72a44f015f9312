// The `kiln bench` table, as text and as JSON (the same fields): per kernel
// its time, GFLOP/s, percent of the measured peak and share of the total;
// then the end-to-end latency and throughput.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "bench/model_bench.h"
#include "bench/peak_probe.h"

namespace kiln::bench {

struct BenchReport {
  ModelTiming timing;
  int threads = 1;  // worker threads the kernels ran on
  int repeat = 0, warmup = 0;
  PeakResult peak_one_core, peak_all_cores;
  PeakResult peak_used;  // at `threads`: the basis of percent of peak
};

std::string format_report(const BenchReport &r);
nlohmann::json report_json(const BenchReport &r);
// Prints the peak probe alone (`kiln bench --peak`).
std::string format_peak(const PeakResult &one_core, const PeakResult &all_cores);

}  // namespace kiln::bench
