// Winograd F(2x2,3x3) and F(4x4,3x3) (codegen/ops/conv_winograd.cpp):
// the transform matrices checked against the correlation they must compute,
// the lowering against the reference interpreter on shapes that cover its
// edge cases (tails, 1x1 output, padding modes, batch, odd channel counts,
// the fused epilogue), and its float32 error measured against a float64
// convolution on a VGG-like 256-channel layer.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>

#include "codegen/ops/winograd_matrices.h"
#include "tests/conv_algorithm_check.h"

namespace kiln {
namespace {

using codegen::ops::winograd_matrices;
using testing::conv_case;
using testing::conv_ints;
using testing::ConvCase;

// A^T [(G g) .* (B^T d)] equals y[i] = sum_k d[i + k] g[k] in 1-D (the 2-D
// transforms are this one applied to rows, then columns).
TEST(WinogradMatrices, ComputeTheCorrelation) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> dist(-1, 1);
  for (int m : {2, 4}) {
    const auto &w = winograd_matrices(m);
    ASSERT_EQ(w.alpha, m + 2);
    ASSERT_EQ(w.BT.size(), static_cast<size_t>(w.alpha));
    ASSERT_EQ(w.G.size(), static_cast<size_t>(w.alpha));
    ASSERT_EQ(w.AT.size(), static_cast<size_t>(m));
    for (int trial = 0; trial < 20; trial++) {
      std::vector<double> d(w.alpha), g(3);
      for (double &v : d) v = dist(rng);
      for (double &v : g) v = dist(rng);
      std::vector<double> prod(w.alpha);
      for (int p = 0; p < w.alpha; p++) {
        double gg = 0, bd = 0;
        for (int k = 0; k < 3; k++) gg += w.G[p][k] * g[k];
        for (int k = 0; k < w.alpha; k++) bd += w.BT[p][k] * d[k];
        prod[p] = gg * bd;
      }
      for (int i = 0; i < m; i++) {
        double got = 0, want = 0;
        for (int p = 0; p < w.alpha; p++) got += w.AT[i][p] * prod[p];
        for (int k = 0; k < 3; k++) want += d[i + k] * g[k];
        EXPECT_NEAR(got, want, 1e-12) << "F(" << m << ",3) output " << i;
      }
    }
  }
}

// Tolerances from ErrorOnVggLayer below (max |error| / (1 + |want|) on
// these small layers is a few 1e-7 for F2 and 1e-6 for F4), with margin.
double tolerance(int m) { return m == 2 ? 2e-5 : 1e-4; }

std::vector<ConvCase> cases() { return testing::winograd_cases(); }

class WinogradTest : public ::testing::TestWithParam<std::tuple<ConvCase, int>> {};

TEST_P(WinogradTest, MatchesReference) {
  ConvCase c = std::get<0>(GetParam());
  int m = std::get<1>(GetParam());
  c.tol = tolerance(m);
  std::string schedule = testing::check_conv_algorithm(c, m == 2 ? "winograd_f2" : "winograd_f4");
  EXPECT_NE(schedule.find("winograd F(" + std::to_string(m)), std::string::npos) << schedule;
}

INSTANTIATE_TEST_SUITE_P(Cases, WinogradTest,
                         ::testing::Combine(::testing::ValuesIn(cases()), ::testing::Values(2, 4)),
                         [](const auto &info) {
                           return std::get<0>(info.param).name + "_f" +
                                  std::to_string(std::get<1>(info.param));
                         });

// --- numerical error on a VGG-like layer -----------------------------------

struct ErrorStats {
  double max_abs = 0, max_rel = 0;  // rel: |err| / max |want| over the output
};

// Runs a conv2d with `algorithm` on the graph's inputs; returns its output.
reference::Tensor run_with(const testing::OneNode &g0, const std::string &algorithm) {
  testing::OneNode g = g0;
  g.graph.nodes[g.node].attrs.set("algorithm", algorithm);
  codegen::LowerRequest req = testing::lower_request(g, testing::jit_host());
  codegen::LoweredKernel k = codegen::lower_node(req);
  return testing::run_lowered(k, g.inputs, {req.outputs[0].shape}, testing::jit_host())[0];
}

// A 256 -> 256 3x3 'same' layer on 14x14 (VGG-16's conv4 shape class, small
// enough for a float64 oracle): inputs post-ReLU-like in [0, 1), He-scaled
// weights. Prints the error of the direct kernel, F2 and F4 against a
// float64 convolution and checks them against stated bounds.
TEST(WinogradError, ErrorOnVggLayer) {
  const int64_t C = 256, K = 256, H = 14, W = 14;
  ir::Attrs a;
  a.set("filters", K);
  a.set("kernel", conv_ints{3, 3});
  a.set("padding", std::string("same"));
  testing::OneNode g = testing::one_node("conv2d", {{1, C, H, W}}, a, 11, 0.0f, 1.0f);
  float scale = static_cast<float>(std::sqrt(6.0 / (9 * C)));  // He-uniform
  for (float &v : g.inputs[1].data) v *= scale;
  for (float &v : g.inputs[2].data) v *= 0.1f;

  const auto &x = g.inputs[0].data, &w = g.inputs[1].data, &b = g.inputs[2].data;
  std::vector<double> want(K * H * W);
  double max_want = 0;
  for (int64_t k = 0; k < K; k++)
    for (int64_t oy = 0; oy < H; oy++)
      for (int64_t ox = 0; ox < W; ox++) {
        double s = b[k];
        for (int64_t c = 0; c < C; c++)
          for (int64_t ky = 0; ky < 3; ky++) {
            int64_t iy = oy + ky - 1;
            if (iy < 0 || iy >= H) continue;
            for (int64_t kx = 0; kx < 3; kx++) {
              int64_t ix = ox + kx - 1;
              if (ix < 0 || ix >= W) continue;
              s += static_cast<double>(w[((k * C + c) * 3 + ky) * 3 + kx]) *
                   x[(c * H + iy) * W + ix];
            }
          }
        want[(k * H + oy) * W + ox] = s;
        max_want = std::max(max_want, std::fabs(s));
      }

  auto stats = [&](const reference::Tensor &got) {
    ErrorStats e;
    for (size_t i = 0; i < want.size(); i++)
      e.max_abs = std::max(e.max_abs, std::fabs(got.data[i] - want[i]));
    e.max_rel = e.max_abs / max_want;
    return e;
  };
  ErrorStats direct = stats(run_with(g, "direct"));
  ErrorStats f2 = stats(run_with(g, "winograd_f2"));
  ErrorStats f4 = stats(run_with(g, "winograd_f4"));
  printf(
      "256->256 14x14 3x3, max |out| %.3f: max abs error direct %.2e, F2 %.2e, F4 %.2e; "
      "relative to max |out|: %.2e, %.2e, %.2e\n",
      max_want, direct.max_abs, f2.max_abs, f4.max_abs, direct.max_rel, f2.max_rel, f4.max_rel);
  RecordProperty("f2_max_abs", std::to_string(f2.max_abs));
  RecordProperty("f4_max_abs", std::to_string(f4.max_abs));
  // Bounds with margin over the measured values (docs/winograd.md).
  EXPECT_LT(direct.max_rel, 5e-6);
  EXPECT_LT(f2.max_rel, 5e-6);
  EXPECT_LT(f4.max_rel, 5e-5);
}

}  // namespace
}  // namespace kiln

namespace kiln {
namespace {

// Not a unit test: writes the lowered loop nest of a 64 -> 64 28x28 layer
// to $KILN_WINOGRAD_STMT (default winograd.stmt), for reading the schedule.
TEST(WinogradStmt, DISABLED_Dump) {
  ir::Attrs a;
  a.set("filters", int64_t{64});
  a.set("kernel", conv_ints{3, 3});
  a.set("padding", std::string("same"));
  a.set("algorithm",
        std::string(getenv("KILN_WINOGRAD_ALGO") ? getenv("KILN_WINOGRAD_ALGO") : "winograd_f4"));
  testing::OneNode g = testing::one_node("conv2d", {{1, 64, 28, 28}}, a, 1);
  codegen::LowerRequest req = testing::lower_request(g, testing::jit_host());
  codegen::LoweredKernel k = codegen::lower_node(req);
  const char *path = getenv("KILN_WINOGRAD_STMT");
  k.pipeline.compile_to_lowered_stmt(path ? path : "winograd.stmt", k.pipeline.infer_arguments(),
                                     Halide::Text, testing::jit_host());
  printf("%s\n", k.schedule.c_str());
}

}  // namespace
}  // namespace kiln
