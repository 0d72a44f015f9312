// The im2col + GEMM lowering of conv2d (codegen/ops/conv_im2col.cpp,
// codegen/ops/gemm.cpp) against the reference interpreter: every padding
// mode, stride, dilation, groups, 1x1 (the patch-free path), batch > 1,
// extents that do not divide the register blocks, and the fused epilogue
// with a residual. Also dense lowered through the same GEMM.
//
// Tolerance: |got - want| <= 1e-4 * (1 + |want|) (float accumulation in a
// different order from the reference's double accumulation; inputs and
// weights in [-1, 1), at most a few hundred terms per output).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "codegen/ops/gemm.h"
#include "codegen/ops/lower_util.h"
#include "tests/conv_algorithm_check.h"

namespace kiln {
namespace {

using testing::conv_case;
using testing::conv_ints;
using testing::ConvCase;
using testing::with_epilogue;

ir::AttrValue two(int64_t h, int64_t w) { return conv_ints{h, w}; }
ir::AttrValue pads(int64_t t, int64_t l, int64_t b, int64_t r) { return conv_ints{t, l, b, r}; }
ir::AttrValue str(const char *s) { return std::string(s); }
ir::AttrValue num(int64_t v) { return v; }

std::vector<ConvCase> im2col_cases() {
  return {
      conv_case("same3x3", {1, 8, 12, 20}, 16, 3, 3, {{"padding", str("same")}}),
      conv_case("valid_nobias_batch2", {2, 3, 9, 11}, 7, 3, 3, {{"use_bias", num(0)}}),
      conv_case("stride2_same_odd", {1, 4, 13, 15}, 8, 3, 3,
                {{"stride", two(2, 2)}, {"padding", str("same")}}),
      conv_case("stride3_k5x3", {1, 5, 17, 14}, 5, 5, 3, {{"stride", two(3, 3)}}),
      conv_case("stride_2x1_even", {2, 3, 10, 12}, 6, 4, 2,
                {{"stride", two(2, 1)}, {"padding", str("same")}}),
      conv_case("pad_asym_zeros", {1, 3, 8, 9}, 4, 3, 2, {{"padding", pads(1, 2, 0, 3)}}),
      conv_case("pad_replicate", {1, 3, 7, 10}, 5, 3, 3,
                {{"padding", pads(2, 1, 1, 2)}, {"padding_mode", str("replicate")}}),
      conv_case("same_reflect", {1, 4, 9, 18}, 6, 3, 3,
                {{"padding", str("same")}, {"padding_mode", str("reflect")}}),
      conv_case(
          "pad_asym_reflect_s2", {1, 2, 11, 9}, 3, 5, 3,
          {{"padding", pads(2, 0, 1, 2)}, {"padding_mode", str("reflect")}, {"stride", two(2, 2)}}),
      conv_case("dilation2_same", {1, 4, 14, 19}, 8, 3, 3,
                {{"dilation", two(2, 2)}, {"padding", str("same")}}),
      conv_case("dilation_2x1_valid", {2, 3, 12, 10}, 4, 3, 2, {{"dilation", two(2, 1)}}),
      conv_case("dilation2_replicate", {1, 2, 9, 9}, 3, 3, 3,
                {{"dilation", two(2, 2)},
                 {"padding", pads(2, 2, 2, 2)},
                 {"padding_mode", str("replicate")}}),
      conv_case("groups2", {2, 6, 8, 20}, 4, 3, 3, {{"groups", num(2)}, {"padding", str("same")}}),
      conv_case("groups3_x3_s2", {1, 6, 11, 13}, 9, 3, 3,
                {{"groups", num(3)}, {"stride", two(2, 2)}, {"padding", str("same")}}),
      conv_case("groups_depthwise", {1, 8, 10, 33}, 8, 3, 3,
                {{"groups", num(8)}, {"padding", str("same")}}),
      conv_case("odd_tiles_wide", {1, 24, 17, 19}, 37, 3, 3, {{"padding", str("same")}}),
      conv_case("single_channel_batch3", {3, 1, 9, 21}, 3, 3, 3),
      conv_case("narrow_w5", {1, 3, 6, 5}, 7, 3, 3, {{"padding", str("same")}}),
      conv_case("out_1x1", {2, 3, 7, 3}, 4, 7, 3),
      conv_case("spatial_1x1_padded", {1, 5, 1, 1}, 3, 3, 3, {{"padding", str("same")}}),
      // 1x1: stride 1 unpadded reads the input as the patch matrix.
      conv_case("pointwise", {2, 16, 7, 9}, 24, 1, 1),
      conv_case("pointwise_wide", {1, 40, 9, 13}, 19, 1, 1),
      conv_case("pointwise_tiny", {1, 3, 2, 3}, 2, 1, 1),
      conv_case("pointwise_grouped", {1, 8, 5, 6}, 12, 1, 1, {{"groups", num(4)}}),
      conv_case("pointwise_stride2", {1, 6, 9, 13}, 5, 1, 1, {{"stride", two(2, 2)}}),
      conv_case("pointwise_padded_reflect", {1, 4, 5, 7}, 6, 1, 1,
                {{"padding", pads(1, 1, 1, 1)}, {"padding_mode", str("reflect")}}),
      // The fused epilogue with a residual (viewed like the GEMM output).
      with_epilogue(conv_case("same3x3", {1, 8, 12, 20}, 16, 3, 3, {{"padding", str("same")}}),
                    "relu", true, "relu"),
      with_epilogue(conv_case("pointwise", {2, 16, 7, 9}, 24, 1, 1), "relu", true, "relu"),
      with_epilogue(conv_case("groups2_s2", {2, 6, 9, 11}, 4, 3, 3,
                              {{"groups", num(2)}, {"stride", two(2, 2)}, {"use_bias", num(0)}}),
                    "sigmoid", true, "none"),
      with_epilogue(conv_case("reflect", {1, 4, 9, 18}, 6, 3, 3,
                              {{"padding", str("same")}, {"padding_mode", str("reflect")}}),
                    "tanh", false, "none"),
  };
}

class Im2colTest : public ::testing::TestWithParam<ConvCase> {};

TEST_P(Im2colTest, MatchesReference) {
  testing::expect_conv_algorithm(GetParam(), "im2col", "conv im2col, gemm");
}

INSTANTIATE_TEST_SUITE_P(Conv, Im2colTest, ::testing::ValuesIn(im2col_cases()),
                         testing::conv_case_name);

// A 1x1 stride-1 unpadded conv reads its input in place; a padded one packs.
TEST(Im2colSchedule, PointwiseSkipsThePatchMatrix) {
  std::string s = testing::check_conv_algorithm(conv_case("pw", {1, 32, 8, 8}, 32, 1, 1), "im2col");
  EXPECT_NE(s.find("input is the patch matrix"), std::string::npos) << s;
  s = testing::check_conv_algorithm(
      conv_case("pw_pad", {1, 8, 6, 6}, 8, 1, 1, {{"padding", pads(1, 1, 1, 1)}}), "im2col");
  EXPECT_NE(s.find("patch panel per strip, padding applied"), std::string::npos) << s;
}

// The AVX-512 register blocks (32 registers: wider blocks than the host's
// AVX2) lower to valid loop nests; compiled, not run (the host may lack
// AVX-512).
TEST(Im2colSchedule, LowersForAvx512) {
  Halide::Target t("x86-64-linux-avx-avx2-f16c-fma-sse41-avx512-avx512_skylake");
  for (const char *algorithm : {"im2col", "depthwise"}) {
    ConvCase c = conv_case("avx512", {1, 32, 64, 64}, 32, 3, 3,
                           {{"padding", str("same")}, {"stride", two(2, 2)}});
    if (std::string(algorithm) == "depthwise") c.attrs.set("groups", int64_t{32});
    c.attrs.set("algorithm", std::string(algorithm));
    testing::OneNode g = testing::one_node("conv2d", {c.x}, c.attrs, 3);
    codegen::LoweredKernel k = codegen::lower_node(testing::lower_request(g, t));
    std::vector<Halide::Argument> args(k.params.begin(), k.params.end());
    EXPECT_NO_THROW(k.pipeline.compile_to_module(args, "k", t)) << k.schedule;
    EXPECT_NE(k.schedule.find("16x"), std::string::npos) << k.schedule;
  }
}

// dense through the GEMM (lower_matmul_wt_gemm): W transposed into the
// panel, the bias along j, the epilogue with a residual; batch 1 (a GEMV),
// batch 8 and sizes that divide no block.
struct DenseCase {
  int64_t batch, in_features, units;
  bool bias, residual;
};

void check_dense_gemm(const DenseCase &d) {
  ir::Attrs a;
  a.set("units", d.units);
  a.set("use_bias", int64_t{d.bias});
  if (d.residual) a.set("activation", std::string("relu"));
  testing::OneNode g = testing::one_node("dense", {{d.batch, d.in_features}}, a, 7);
  if (d.residual) {
    int r = g.graph.add_input("residual", {ir::DType::F32, {d.batch, d.units}});
    g.graph.nodes[g.node].inputs.push_back(r);
    g.graph.nodes[g.node].attrs.set("has_residual", int64_t{1});
    g.inputs.push_back(testing::random_tensor({d.batch, d.units}, 99));
  }
  codegen::LowerRequest req = testing::lower_request(g, testing::jit_host());
  codegen::schedules::DenseShape shape{d.batch, d.in_features, d.units};
  codegen::schedules::GemmShape gs{d.units, d.batch, d.in_features, 1};
  codegen::LoweredKernel k = codegen::ops::lower_matmul_wt_gemm(
      shape, d.bias, ir::ops::epilogue_of(g.n().attrs),
      codegen::schedules::default_gemm_schedule(gs, testing::jit_host(), false));
  std::vector<reference::Tensor> got =
      testing::run_lowered(k, g.inputs, {{d.batch, d.units}}, testing::jit_host());
  std::vector<const reference::Tensor *> in;
  for (const auto &t : g.inputs) in.push_back(&t);
  std::vector<reference::Tensor> want = reference::run_node(g.n(), in);
  std::string diff = testing::compare(got[0], want[0], 1e-4);
  EXPECT_TRUE(diff.empty()) << k.schedule << ": " << diff;
}

TEST(DenseGemm, MatchesReference) {
  for (DenseCase d : std::vector<DenseCase>{{1, 37, 19, true, false},
                                            {8, 64, 100, true, true},
                                            {3, 5, 7, false, false},
                                            {13, 129, 33, true, true},
                                            {2, 300, 1, true, false}}) {
    SCOPED_TRACE(std::to_string(d.batch) + "x" + std::to_string(d.in_features) + "->" +
                 std::to_string(d.units));
    check_dense_gemm(d);
  }
}

// The op table's dense takes the GEMM from batch 32 (dense_prefers_gemm) and
// the lane-reduce kernel below it.
TEST(DenseGemm, DispatchByBatch) {
  for (int64_t batch : {1, 8, 33}) {
    ir::Attrs a;
    a.set("units", int64_t{20});
    testing::OneNode g = testing::one_node("dense", {{batch, 24}}, a, 5);
    codegen::LowerRequest req = testing::lower_request(g, testing::jit_host());
    codegen::LoweredKernel k = codegen::lower_node(req);
    EXPECT_EQ(k.schedule.find("dense as gemm") != std::string::npos, batch >= 32) << k.schedule;
    std::vector<reference::Tensor> got =
        testing::run_lowered(k, g.inputs, {{batch, 20}}, testing::jit_host());
    std::vector<const reference::Tensor *> in;
    for (const auto &t : g.inputs) in.push_back(&t);
    std::string diff = testing::compare(got[0], reference::run_node(g.n(), in)[0], 1e-4);
    EXPECT_TRUE(diff.empty()) << k.schedule << ": " << diff;
  }
}

// Times dense through the lane-reduce kernel and through the GEMM (JIT,
// median of 20 calls) on KILN_BENCH_DENSE="batch,in,units" or a default
// list; the numbers behind dense_prefers_gemm.
TEST(DenseGemm, DISABLED_Bench) {
  std::vector<std::array<int64_t, 3>> shapes = {
      {1, 2048, 1000}, {8, 2048, 1000}, {32, 2048, 1000}, {8, 512, 512}, {64, 512, 512}};
  if (const char *e = getenv("KILN_BENCH_DENSE")) {
    std::array<int64_t, 3> s{};
    if (sscanf(e, "%ld,%ld,%ld", &s[0], &s[1], &s[2]) == 3) shapes = {s};
  }
  const Halide::Target &t = testing::jit_host();
  for (const auto &sh : shapes) {
    codegen::schedules::DenseShape d{sh[0], sh[1], sh[2]};
    codegen::schedules::GemmShape gs{d.units, d.batch, d.in_features, 1};
    std::vector<codegen::LoweredKernel> ks;
    ks.push_back(codegen::ops::lower_matmul_wt(d, true, {},
                                               codegen::schedules::default_dense_schedule(d, t)));
    ks.push_back(codegen::ops::lower_matmul_wt_gemm(
        d, true, {}, codegen::schedules::default_gemm_schedule(gs, t, false)));
    reference::Tensor x = testing::random_tensor({d.batch, d.in_features}, 1);
    reference::Tensor w = testing::random_tensor({d.units, d.in_features}, 2);
    reference::Tensor b = testing::random_tensor({d.units}, 3);
    for (auto &k : ks) {
      k.pipeline.compile_jit(t);
      reference::Tensor y({d.batch, d.units});
      k.params[0].set(testing::view_buffer(x.data.data(), k.input_views[0]));
      k.params[1].set(testing::view_buffer(w.data.data(), k.input_views[1]));
      k.params[2].set(testing::view_buffer(b.data.data(), k.input_views[2]));
      Halide::Buffer<float> out = testing::view_buffer(y.data.data(), k.output_views[0]);
      std::vector<double> ms;
      for (int r = 0; r < 23; r++) {
        auto t0 = std::chrono::steady_clock::now();
        k.pipeline.realize(out, t);
        if (r >= 3)
          ms.push_back(
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                  .count());
      }
      std::sort(ms.begin(), ms.end());
      double gflops = 2.0 * d.batch * d.in_features * d.units / (ms[ms.size() / 2] * 1e6);
      printf("dense %ldx%ld->%ld  %-60.60s  %.3f ms  %.1f GFLOP/s\n", d.batch, d.in_features,
             d.units, k.schedule.c_str(), ms[ms.size() / 2], gflops);
    }
  }
}

}  // namespace
}  // namespace kiln
