// The im2col GEMM's lanes-along-channels orientation (GemmSchedule::
// lanes_along_i, codegen/ops/gemm.cpp) against the reference interpreter:
// small maps (down to 1x1), channel counts that do not divide the register
// block, groups, stride 2, padding (the im2col matrix in blocks), batch 2 and
// the fused epilogue with a residual. Each case also checks that the kernel
// took that orientation, and a few that larger maps keep the pixel lanes.
//
// Tolerance: |got - want| <= 1e-4 * (1 + |want|) (float accumulation in a
// different order from the reference's double accumulation; inputs and
// weights in [-1, 1), at most about a thousand terms per output).
#include <gtest/gtest.h>

#include <cstdlib>

#include "tests/conv_algorithm_check.h"

namespace kiln {
namespace {

using testing::conv_case;
using testing::conv_ints;
using testing::ConvCase;
using testing::with_epilogue;

ir::AttrValue two(int64_t h, int64_t w) { return conv_ints{h, w}; }
ir::AttrValue str(const char *s) { return std::string(s); }
ir::AttrValue num(int64_t v) { return v; }

std::vector<ConvCase> channel_lane_cases() {
  return {
      // 1x1 stride 1: the input read in place and broadcast.
      conv_case("pw_7x7", {1, 64, 7, 7}, 32, 1, 1),
      conv_case("pw_3x3_odd_filters", {1, 19, 3, 3}, 37, 1, 1),
      conv_case("pw_1x1_map", {1, 33, 1, 1}, 24, 1, 1),
      conv_case("pw_1x2_map_nobias", {1, 8, 1, 2}, 16, 1, 1, {{"use_bias", num(0)}}),
      conv_case("pw_batch2_5x5", {2, 21, 5, 5}, 40, 1, 1),
      conv_case("pw_big_k", {1, 600, 4, 5}, 48, 1, 1),
      conv_case("pw_groups2", {1, 12, 6, 6}, 40, 1, 1, {{"groups", num(2)}}),
      // The im2col matrix made once: 1x1 stride 2, 3x3, padding, groups.
      conv_case("pw_padded", {1, 24, 5, 5}, 32, 1, 1, {{"padding", str("same")}}),
      conv_case("k2_s2_odd_batch2", {2, 7, 9, 11}, 17, 2, 2, {{"stride", two(2, 2)}}),
      conv_case("k3_same_7x7", {1, 16, 7, 7}, 24, 3, 3, {{"padding", str("same")}}),
      conv_case("k3_s2_same_odd", {1, 9, 13, 11}, 33, 3, 3,
                {{"stride", two(2, 2)}, {"padding", str("same")}}),
      conv_case("k3_valid_tiny_out", {2, 5, 3, 3}, 16, 3, 3),
      conv_case("k3_groups2_reflect", {1, 6, 6, 7}, 32, 3, 3,
                {{"groups", num(2)}, {"padding", str("same")}, {"padding_mode", str("reflect")}}),
      // The fused epilogue, residual viewed like the output.
      with_epilogue(conv_case("pw_7x7", {1, 64, 7, 7}, 32, 1, 1), "relu", true, "relu"),
      with_epilogue(conv_case("k3_s2_b2", {2, 8, 9, 9}, 20, 3, 3,
                              {{"stride", two(2, 2)}, {"padding", str("same")}}),
                    "sigmoid", true, "none"),
      with_epilogue(conv_case("pw_odd", {1, 13, 3, 5}, 19, 1, 1, {{"use_bias", num(0)}}), "tanh",
                    false, "relu"),
  };
}

class ChannelLanesTest : public ::testing::TestWithParam<ConvCase> {};

TEST_P(ChannelLanesTest, MatchesReference) {
  testing::expect_conv_algorithm(GetParam(), "im2col", "(i, lanes)");
}

INSTANTIATE_TEST_SUITE_P(Conv, ChannelLanesTest, ::testing::ValuesIn(channel_lane_cases()),
                         testing::conv_case_name);

// Larger maps, too few output channels and strided 1x1 (measured slower)
// keep the lanes along the pixels.
TEST(ChannelLanesSchedule, LargeMapsAndFewChannelsKeepPixelLanes) {
  for (const ConvCase &c :
       {conv_case("pw_20x20", {1, 16, 20, 20}, 32, 1, 1),
        conv_case("k3_10x10", {1, 8, 10, 10}, 32, 3, 3, {{"padding", str("same")}}),
        conv_case("pw_few_filters", {1, 32, 7, 7}, 4, 1, 1),
        conv_case("pw_stride2", {1, 24, 14, 14}, 32, 1, 1, {{"stride", two(2, 2)}})}) {
    std::string s = testing::check_conv_algorithm(c, "im2col");
    EXPECT_EQ(s.find("(i, lanes)"), std::string::npos) << c.name << ": " << s;
  }
}

// For reading the loop nest of a ResNet-50-like layer: with KILN_DUMP_STMT_DIR
// set, writes its lowered statement there.
TEST(ChannelLanesSchedule, DumpsLoopNestOnRequest) {
  const char *dir = getenv("KILN_DUMP_STMT_DIR");
  if (!dir) GTEST_SKIP() << "KILN_DUMP_STMT_DIR not set";
  for (const ConvCase &c :
       {conv_case("l4_reduce", {1, 2048, 7, 7}, 512, 1, 1),
        conv_case("l4_3x3", {1, 512, 7, 7}, 512, 3, 3, {{"padding", str("same")}})}) {
    ir::Attrs a = c.attrs;
    a.set("algorithm", std::string("im2col"));
    testing::OneNode g = testing::one_node("conv2d", {c.x}, a, 1);
    codegen::LoweredKernel k = codegen::lower_node(testing::lower_request(g, testing::jit_host()));
    std::vector<Halide::Argument> args(k.params.begin(), k.params.end());
    k.pipeline.compile_to_lowered_stmt(std::string(dir) + "/" + c.name + ".stmt", args,
                                       Halide::StmtOutputFormat::Text, testing::jit_host());
  }
}

}  // namespace
}  // namespace kiln
