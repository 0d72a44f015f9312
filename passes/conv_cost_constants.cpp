// The conv2d cost model's constants (passes/conv_cost_model.h), fitted to
// timings on this machine. Produced by:
//   build/bench/conv_algo_table > bench/conv_algo_table.runN.jsonl   (N = 1, 2: two runs)
//   scripts/fit_conv_cost_model.py bench/conv_algo_table.run1.jsonl bench/conv_algo_table.run2.jsonl > passes/conv_cost_constants.cpp
// Machine: AMD EPYC, 2 threads, avx2+fma; measured 2026-11-28; FMA peak 34.9 GFLOP/s.
// Fit quality per variant (rms error of log time; 0.3 is about 1.35x):
//   depthwise           8 timings, rms log error 0.33
//   direct             28 timings, rms log error 0.62
//   direct_dense        4 timings, rms log error 0.24
//   direct_pointwise    7 timings, rms log error 0.63
//   im2col             31 timings, rms log error 0.53
//   im2col_gemm         8 timings, rms log error 0.52
//   winograd_f2        12 timings, rms log error 0.61
//   winograd_f4        12 timings, rms log error 0.49
#include "passes/conv_cost_model.h"

namespace kiln::passes {

const CostModelConstants &fitted_conv_cost_model() {
  static const CostModelConstants model = {
      "scripts/fit_conv_cost_model.py on AMD EPYC, 2 threads, avx2+fma, 2026-11-28",
      34.9,
      // variant, peak_fraction, k_reduction, k_channels, k_pixels
      {
          {"depthwise", 0.5927, 0, 0, 45.2548},
          {"direct", 1.202, 32, 0, 0},
          {"direct_dense", 0.6539, 0, 0, 0},
          {"direct_pointwise", 0.8471, 0, 0, 64},
          {"im2col", 1.336, 128, 0, 5.65685},
          {"im2col_gemm", 1.154, 0, 0, 2.82843},
          {"winograd_f2", 0.53, 0, 0, 45.2548},
          {"winograd_f4", 0.275, 0, 0, 90.5097},
      },
      // lowered_algorithms: those that compiled and ran on every layer they fit
      {"direct", "im2col", "winograd_f2", "winograd_f4", "depthwise"}};
  return model;
}

}  // namespace kiln::passes
