// The conv2d cost model's constants (passes/conv_cost_model.h), fitted to
// timings on this machine. Produced by:
//   build/bench/conv_algo_table > bench/conv_algo_table.runN.jsonl   (one file per run)
//   scripts/fit_conv_cost_model.py bench/conv_algo_table.run3.jsonl bench/conv_algo_table.run4.jsonl > passes/conv_cost_constants.cpp
// Machine: AMD EPYC, 2 threads, avx2+fma; measured 2026-11-28; FMA peak 205.5 GFLOP/s.
// Fit quality per variant (rms error of log time; 0.3 is about 1.35x):
//   depthwise           8 timings, rms log error 0.29
//   direct             27 timings, rms log error 0.42
//   direct_dense        4 timings, rms log error 0.31
//   direct_pointwise    7 timings, rms log error 0.19
//   direct_strided_pointwise  5 timings, rms log error 0.05
//   im2col             35 timings, rms log error 0.48
//   im2col_gemm         8 timings, rms log error 0.22
//   winograd_f2        12 timings, rms log error 0.18
//   winograd_f4        12 timings, rms log error 0.17
#include "passes/conv_cost_model.h"

namespace kiln::passes {

const CostModelConstants &fitted_conv_cost_model() {
  static const CostModelConstants model = {
      "scripts/fit_conv_cost_model.py on AMD EPYC, 2 threads, avx2+fma, 2026-11-28",
      205.5,
      // variant, peak_fraction, k_reduction, k_channels, k_pixels
      {
          {"depthwise", 0.1268, 0, 0, 22.6274},
          {"direct", 0.5136, 64, 1, 22.6274},
          {"direct_dense", 0.1415, 0, 0, 0},
          {"direct_pointwise", 0.5796, 0, 32, 4},
          {"direct_strided_pointwise", 0.5814, 4, 128, 90.5097},
          {"im2col", 0.871, 362.039, 5.65685, 22.6274},
          {"im2col_gemm", 0.8016, 8, 45.2548, 22.6274},
          {"winograd_f2", 0.4323, 2.82843, 32, 32},
          {"winograd_f4", 0.3757, 64, 22.6274, 128},
      },
      // lowered_algorithms: those that compiled and ran on every layer they fit
      {"direct", "im2col", "winograd_f2", "winograd_f4", "depthwise"}};
  return model;
}

}  // namespace kiln::passes
