// Timing a compiled model: each kernel (the plan's steps, timed inside the
// library by NAME_run_profiled) and the whole run (NAME_run), medians over
// repeated runs after warm-up runs.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "codegen/compile_library.h"
#include "ir/graph.h"

namespace kiln::bench {

struct BenchOptions {
  int repeat = 20;    // timed runs, each one plain and one profiled
  int warmup = 3;     // untimed runs first
  int threads = 0;    // the library's worker threads; 0: its default (one per core)
  uint64_t seed = 0;  // of the random inputs
  std::function<void(const std::string &)> progress;  // compile and timing lines; may be empty
  codegen::TunedLookup tuned;  // tuned schedules (kiln bench --tuning-db); empty: the defaults
};

struct KernelTiming {
  std::string node, op;
  std::string algorithm;  // see kernel_algorithm()
  std::string schedule;   // the lowering's one-line description
  ir::Shape output_shape;
  int64_t flops = 0;  // the op's Cost (ir/)
  double median_ms = 0;
};

struct ModelTiming {
  std::string model;
  int64_t batch = 1;                  // the first input's first dimension
  std::vector<KernelTiming> kernels;  // in run order
  // End to end (NAME_run, no profiling), over the same timed runs.
  double median_ms = 0, p10_ms = 0, p90_ms = 0;
};

// UserError naming the first bad option (bench_model checks them too).
void check_options(const BenchOptions &options);

// Compiles `g` (already optimized) and times it. Throws UserError.
ModelTiming bench_model(const ir::Graph &g, const BenchOptions &options);

// The algorithm a node's kernel uses: its "algorithm" attribute when a pass
// set one, else the only one kiln has today for that op ("direct" for
// conv2d), else "-".
std::string kernel_algorithm(const ir::Node &node);

}  // namespace kiln::bench
