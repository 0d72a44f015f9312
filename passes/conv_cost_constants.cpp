// The conv2d cost model's constants (passes/conv_cost_model.h), fitted to
// timings on this machine. Produced by:
//   build/bench/conv_algo_table > bench/conv_algo_table.runN.jsonl   (one file per run)
//   scripts/fit_conv_cost_model.py bench/conv_algo_table.run3.jsonl bench/conv_algo_table.run4.jsonl > passes/conv_cost_constants.cpp
// Machine: AMD EPYC, 2 threads, avx2+fma; measured 2026-11-28; FMA peak 205.1 GFLOP/s.
// Fit quality per variant (rms error of log time; 0.3 is about 1.35x):
//   depthwise           8 timings, rms log error 0.34
//   direct             28 timings, rms log error 0.44
//   direct_dense        4 timings, rms log error 0.24
//   direct_pointwise    7 timings, rms log error 0.23
//   im2col             31 timings, rms log error 0.43
//   im2col_gemm         8 timings, rms log error 0.18
//   winograd_f2        12 timings, rms log error 0.13
//   winograd_f4        12 timings, rms log error 0.20
#include "passes/conv_cost_model.h"

namespace kiln::passes {

const CostModelConstants &fitted_conv_cost_model() {
  static const CostModelConstants model = {
      "scripts/fit_conv_cost_model.py on AMD EPYC, 2 threads, avx2+fma, 2026-11-28",
      205.1,
      // variant, peak_fraction, k_reduction, k_channels, k_pixels
      {
          {"depthwise", 0.1159, 0, 0, 0},
          {"direct", 0.6636, 90.5097, 2.82843, 32},
          {"direct_dense", 0.1352, 0, 0, 0},
          {"direct_pointwise", 0.5795, 0, 32, 8},
          {"im2col", 0.8013, 362.039, 0, 16},
          {"im2col_gemm", 0.6638, 8, 16, 11.3137},
          {"winograd_f2", 0.3135, 22.6274, 16, 0},
          {"winograd_f4", 0.3575, 45.2548, 22.6274, 128},
      },
      // lowered_algorithms: those that compiled and ran on every layer they fit
      {"direct", "im2col", "winograd_f2", "winograd_f4", "depthwise"}};
  return model;
}

}  // namespace kiln::passes
