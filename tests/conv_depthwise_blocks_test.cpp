// Edge cases of the depthwise kernel's blocking (codegen/ops/conv_depthwise.cpp)
// against the reference interpreter: tasks of several channels (channel counts
// that do not divide the channel block), row blocks that do not divide the
// image, widths that do not divide the vector (and widths below one vector),
// stride 2 with even and odd widths, every padding mode at stride 1 and 2,
// channel multiplier 2, batch 2, and the fused epilogue (ReLU6, residual).
//
// Tolerance: |got - want| <= 1e-4 * (1 + |want|) (float accumulation in a
// different order from the reference's double accumulation).
#include <gtest/gtest.h>

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

// A 3x3 (or k x k) depthwise conv of x (NCHW) with `multiplier` filters per channel.
ConvCase dw(std::string name, ir::Shape x, int64_t multiplier, int64_t k,
            std::initializer_list<std::pair<const char *, ir::AttrValue>> more = {}) {
  ConvCase c = conv_case(std::move(name), x, x[1] * multiplier, k, k, more);
  c.attrs.set("groups", x[1]);
  return c;
}

std::vector<ConvCase> block_cases() {
  auto same = std::pair<const char *, ir::AttrValue>{"padding", str("same")};
  auto s2 = std::pair<const char *, ir::AttrValue>{"stride", two(2, 2)};
  return {
      // Widths around the vector: below it, one over, odd, prime.
      dw("w5_same", {1, 3, 6, 5}, 1, 3, {same}),
      dw("w9_same", {1, 4, 9, 9}, 1, 3, {same}),
      dw("w17_valid", {1, 3, 8, 17}, 1, 3),
      dw("w31_same", {1, 2, 13, 31}, 1, 3, {same}),
      dw("h1_same", {1, 5, 1, 12}, 1, 3, {same}),
      dw("h2_valid_w3", {1, 5, 4, 3}, 1, 3),
      // Many channels: tasks of several channels, counts not dividing them.
      dw("c37_7x7", {1, 37, 7, 7}, 1, 3, {same}),
      dw("c61_14x14", {1, 61, 14, 14}, 1, 3, {same}),
      dw("c19_28x28", {1, 19, 28, 28}, 1, 3, {same}),
      dw("c3_tall_odd", {1, 3, 45, 20}, 1, 3, {same}),
      // Stride 2: even and odd widths and heights, all padding modes.
      dw("s2_w7", {1, 6, 7, 7}, 1, 3, {same, s2}),
      dw("s2_w14", {1, 9, 14, 14}, 1, 3, {same, s2}),
      dw("s2_w29_valid", {1, 4, 11, 29}, 1, 3, {s2}),
      dw("s2_w56_tf", {1, 5, 56, 56}, 1, 3, {s2, {"padding", pads(0, 0, 1, 1)}}),
      dw("s2_replicate", {1, 4, 13, 19}, 1, 3,
         {s2, {"padding", pads(1, 1, 1, 1)}, {"padding_mode", str("replicate")}}),
      dw("s2_reflect", {1, 4, 12, 21}, 1, 3,
         {s2, {"padding", pads(1, 2, 1, 0)}, {"padding_mode", str("reflect")}}),
      dw("s1_replicate_odd", {1, 5, 9, 13}, 1, 3,
         {{"padding", pads(1, 1, 1, 1)}, {"padding_mode", str("replicate")}}),
      dw("s1_reflect_odd", {1, 5, 10, 11}, 1, 3,
         {{"padding", str("same")}, {"padding_mode", str("reflect")}}),
      dw("s1_zeros_asym", {1, 5, 10, 19}, 1, 3, {{"padding", pads(2, 0, 0, 2)}}),
      // Channel multiplier 2 and batch 2.
      dw("x2_c13_w11", {1, 13, 9, 11}, 2, 3, {same}),
      dw("x2_s2_batch2", {2, 7, 10, 15}, 2, 3, {same, s2}),
      dw("batch2_c11_14x14", {2, 11, 14, 14}, 1, 3, {same}),
      dw("batch2_c5_7x7", {2, 5, 7, 7}, 1, 3, {same}),
      // Fused epilogue: ReLU6 (MobileNet, BN folded into weights and bias),
      // a residual and a post-activation.
      with_epilogue(dw("relu6_c37_7x7", {1, 37, 7, 7}, 1, 3, {same}), "relu6", false, "none"),
      with_epilogue(dw("relu6_s2_w15", {1, 6, 15, 15}, 1, 3, {same, s2}), "relu6", false, "none"),
      with_epilogue(dw("res_x2_batch2", {2, 5, 9, 13}, 2, 3, {same}), "relu", true, "relu"),
      with_epilogue(dw("res_c21_14x14", {1, 21, 14, 14}, 1, 3, {same}), "none", true, "relu6"),
  };
}

class DepthwiseBlocksTest : public ::testing::TestWithParam<ConvCase> {};

TEST_P(DepthwiseBlocksTest, MatchesReference) {
  testing::expect_conv_algorithm(GetParam(), "depthwise", "conv depthwise");
}

INSTANTIATE_TEST_SUITE_P(Conv, DepthwiseBlocksTest, ::testing::ValuesIn(block_cases()),
                         testing::conv_case_name);

// The direct conv's row-band task order (codegen/schedules/conv_schedule.cpp:
// a map too large for flat rows, input larger than the weights) is the loop
// order VGG-16's large layers now take; checked here on a small such map.
TEST(DirectRowBands, MatchesReference) {
  for (const char *padding : {"same", "valid"}) {
    ConvCase c = conv_case(std::string("direct_rows_") + padding, {2, 2, 40, 224}, 3, 3, 3,
                           {{"padding", str(padding)}});
    std::string schedule = testing::check_conv_algorithm(c, "direct");
    EXPECT_NE(schedule.find("co inner"), std::string::npos) << schedule;
  }
}

}  // namespace
}  // namespace kiln
