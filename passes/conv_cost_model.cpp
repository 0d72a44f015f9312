#include "passes/conv_cost_model.h"

#include "ir/ops/window.h"

namespace kiln::passes {

int64_t ConvFeatures::macs() const { return out_pixels() * out_channels * reduction(); }

ConvFeatures conv_features(const ir::Attrs &a, const ir::Shape &x) {
  ir::Window2d w = ir::resolve_window(a, x[2], x[3], false, false);
  ConvFeatures f;
  f.batch = x[0];
  f.in_channels = x[1];
  f.in_h = x[2];
  f.in_w = x[3];
  f.out_channels = a.get_int("filters");
  f.groups = a.get_int("groups");
  f.out_h = w.out_h;
  f.out_w = w.out_w;
  f.kernel_h = w.kernel_h;
  f.kernel_w = w.kernel_w;
  f.stride_h = w.stride_h;
  f.stride_w = w.stride_w;
  f.padded = ir::reads_outside_input(w);
  return f;
}

namespace {

bool pointwise(const ConvFeatures &f) {
  return f.kernel_h == 1 && f.kernel_w == 1 && f.stride_h == 1 && f.stride_w == 1 && !f.padded;
}

// The same tests as the direct lowering's is_whole_input / is_pointwise
// (codegen/ops/conv_geometry.h), on the IR's view of the shape.
bool whole_input(const ConvFeatures &f) {
  return f.groups == 1 && f.kernel_h == f.in_h && f.kernel_w == f.in_w && !f.padded;
}

// A 1x1 conv with a stride reads a sparse subset of its input: the direct
// kernel's efficiency there is its own (measured: 2x slower than im2col).
bool strided_pointwise(const ConvFeatures &f) {
  return f.kernel_h == 1 && f.kernel_w == 1 && (f.stride_h > 1 || f.stride_w > 1) && !f.padded;
}

double sat(double x, double k) { return k <= 0 ? 1.0 : (x / k) / (1.0 + x / k); }

}  // namespace

std::string conv_variant(const std::string &algorithm, const ConvFeatures &f) {
  if (algorithm == "direct") {
    if (whole_input(f)) return "direct_dense";
    if (pointwise(f)) return "direct_pointwise";
    if (strided_pointwise(f)) return "direct_strided_pointwise";
  }
  // A strided 1x1 conv through im2col is the same GEMM as a stride-1 1x1
  // (reduction = input channels, no window), only its A panel is gathered
  // from every stride-th pixel; the general "im2col" fit, dominated by 3x3
  // windows, rated it below the direct kernel, which measured 1.6-2.6x
  // slower on ResNet-50's projections (docs/performance.md).
  if (algorithm == "im2col" && (pointwise(f) || strided_pointwise(f))) return "im2col_gemm";
  return algorithm;
}

double mac_factor(const std::string &algorithm) {
  auto winograd = [](double m) { return (m + 2) * (m + 2) / (9 * m * m); };
  if (algorithm == "winograd_f2") return winograd(2);
  if (algorithm == "winograd_f4") return winograd(4);
  return 1.0;
}

std::optional<double> predict_ms(const CostModelConstants &model, const std::string &algorithm,
                                 const ConvFeatures &f) {
  std::string variant = conv_variant(algorithm, f);
  for (const VariantFit &fit : model.fits) {
    if (fit.variant != variant) continue;
    double efficiency = fit.peak_fraction * sat(double(f.reduction()), fit.k_reduction) *
                        sat(double(f.out_channels), fit.k_channels) *
                        sat(double(f.out_pixels()), fit.k_pixels);
    double flops = 2.0 * double(f.macs()) * mac_factor(algorithm);
    return flops / (efficiency * model.peak_gflops * 1e9) * 1e3;
  }
  return std::nullopt;
}

}  // namespace kiln::passes
