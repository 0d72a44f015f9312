// The cost model behind `--conv-algo auto`: a predicted time for each conv2d
// algorithm from a few shape features, with constants fitted to timings on
// this machine (passes/conv_cost_constants.cpp, made by
// scripts/fit_conv_cost_model.py from bench/conv_algo_table).
//
// Each algorithm's kernel reaches some fraction of the machine's FP32 peak;
// that efficiency grows with the work along each loop and saturates:
//   efficiency = peak_fraction * sat(reduction / k_reduction)
//                * sat(out_channels / k_channels) * sat(out_pixels / k_pixels)
// with sat(x) = x / (1 + x), reduction = input channels per group * kernel
// area, and out_pixels = batch * output height * width. The time is the
// algorithm's multiply-adds (Winograd needs fewer per output) over the
// efficiency times the peak. The lowerings take different paths for some
// shapes (the direct kernel turns a 1x1 conv into a row of pixels and a conv
// over its whole input into a matrix-vector product); each path is a
// "variant" with its own constants.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ir/attrs.h"
#include "ir/types.h"

namespace kiln::passes {

struct ConvFeatures {
  int64_t batch = 1, in_channels = 0, out_channels = 0, groups = 1;
  int64_t in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  int64_t kernel_h = 0, kernel_w = 0, stride_h = 1, stride_w = 1;
  bool padded = false;  // some window reads outside the input
  int64_t macs() const;
  int64_t reduction() const { return in_channels / groups * kernel_h * kernel_w; }
  int64_t out_pixels() const { return batch * out_h * out_w; }
};

ConvFeatures conv_features(const ir::Attrs &conv_attrs, const ir::Shape &input);

// The lowering path an algorithm takes for these features, e.g.
// "direct_pointwise", "direct_strided_pointwise", "im2col_gemm" or plain "direct"; the key of its fit.
std::string conv_variant(const std::string &algorithm, const ConvFeatures &f);

struct VariantFit {
  std::string variant;
  double peak_fraction;  // the efficiency with every loop long
  double k_reduction, k_channels, k_pixels;
};

struct CostModelConstants {
  std::string produced_by;  // the command, machine and date of the fit
  double peak_gflops;       // the FMA peak measured in the same run (all cores)
  std::vector<VariantFit> fits;
  // The algorithms whose lowering exists (auto considers only these).
  std::vector<std::string> lowered_algorithms;
};

// The constants fitted on this machine (passes/conv_cost_constants.cpp).
const CostModelConstants &fitted_conv_cost_model();

// Multiply-adds per output an algorithm performs relative to the direct
// definition: 1, except Winograd F(m x m, 3x3): (m+2)^2 / (9 m^2).
double mac_factor(const std::string &algorithm);

// The predicted milliseconds, or nothing when the model has no fit for the
// variant this algorithm takes here.
std::optional<double> predict_ms(const CostModelConstants &model, const std::string &algorithm,
                                 const ConvFeatures &f);

}  // namespace kiln::passes
