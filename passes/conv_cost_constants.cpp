// The conv2d cost model's constants (passes/conv_cost_model.h), fitted to
// timings on this machine. Produced by:
//   build/bench/conv_algo_table > bench/conv_algo_table.runN.jsonl   (N = 1, 2: two runs)
//   scripts/fit_conv_cost_model.py bench/conv_algo_table.run1.jsonl bench/conv_algo_table.run2.jsonl > passes/conv_cost_constants.cpp
// Machine: AMD EPYC, 2 threads, avx2+fma; measured 2026-11-28 on a quiet machine (load < 2); FMA peak 203.2 GFLOP/s.
// Fit quality per variant (rms error of log time; 0.3 is about 1.35x):
//   depthwise           8 timings, rms log error 0.35
//   direct             28 timings, rms log error 0.37
//   direct_dense        4 timings, rms log error 0.28
//   direct_pointwise    7 timings, rms log error 0.15
//   im2col             31 timings, rms log error 0.46
//   im2col_gemm         8 timings, rms log error 0.20
//   winograd_f2        12 timings, rms log error 0.26
//   winograd_f4        12 timings, rms log error 0.30
#include "passes/conv_cost_model.h"

namespace kiln::passes {

const CostModelConstants &fitted_conv_cost_model() {
  static const CostModelConstants model = {
      "scripts/fit_conv_cost_model.py on AMD EPYC, 2 threads, avx2+fma, 2026-11-28",
      203.2,
      // variant, peak_fraction, k_reduction, k_channels, k_pixels
      {
          {"depthwise", 0.1022, 0, 0, 16},
          {"direct", 0.4859, 90.5097, 0, 2},
          {"direct_dense", 0.1442, 0, 0, 0},
          {"direct_pointwise", 0.5268, 5.65685, 11.3137, 0},
          {"im2col", 0.7579, 362.039, 0, 16},
          {"im2col_gemm", 0.5639, 8, 0, 11.3137},
          {"winograd_f2", 0.2254, 32, 5.65685, 22.6274},
          {"winograd_f4", 0.1349, 11.3137, 11.3137, 90.5097},
      },
      // lowered_algorithms: those that compiled and ran on every layer they fit
      {"direct", "im2col", "winograd_f2", "winograd_f4", "depthwise"}};
  return model;
}

}  // namespace kiln::passes
