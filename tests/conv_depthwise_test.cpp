// The depthwise lowering of conv2d (codegen/ops/conv_depthwise.cpp: groups ==
// input channels, channel multiplier >= 1) against the reference
// interpreter: every padding mode, stride, dilation, kernels from 1x1 to 7x7
// (taps unrolled up to 5x5), widths that do not divide the vectors, batch > 1
// and the fused epilogue with a residual.
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
ir::AttrValue num(int64_t v) { return v; }

// A depthwise conv of x (NCHW) with `multiplier` filters per channel.
ConvCase dw(std::string name, ir::Shape x, int64_t multiplier, int64_t k,
            std::initializer_list<std::pair<const char *, ir::AttrValue>> more = {}) {
  ConvCase c = conv_case(std::move(name), x, x[1] * multiplier, k, k, more);
  c.attrs.set("groups", x[1]);
  return c;
}

std::vector<ConvCase> depthwise_cases() {
  return {
      dw("same3x3", {1, 8, 10, 33}, 1, 3, {{"padding", str("same")}}),
      dw("valid3x3_nobias", {1, 5, 9, 20}, 1, 3, {{"use_bias", num(0)}}),
      dw("stride2_pad1_x2", {1, 6, 15, 15}, 2, 3,
         {{"stride", two(2, 2)}, {"padding", pads(1, 1, 1, 1)}}),
      dw("stride2_same_even", {2, 4, 16, 18}, 1, 3,
         {{"stride", two(2, 2)}, {"padding", str("same")}}),
      dw("mobilenet_s2_asym", {1, 16, 28, 28}, 1, 3,
         {{"stride", two(2, 2)}, {"padding", pads(0, 0, 1, 1)}}),
      dw("replicate", {1, 3, 7, 10}, 1, 3,
         {{"padding", pads(2, 1, 1, 2)}, {"padding_mode", str("replicate")}}),
      dw("reflect_same", {1, 4, 9, 18}, 1, 3,
         {{"padding", str("same")}, {"padding_mode", str("reflect")}}),
      dw("reflect_5x5_s2", {1, 3, 13, 11}, 1, 5,
         {{"padding", pads(2, 2, 2, 2)}, {"padding_mode", str("reflect")}, {"stride", two(2, 2)}}),
      dw("dilation2_same", {1, 4, 14, 19}, 1, 3,
         {{"dilation", two(2, 2)}, {"padding", str("same")}}),
      dw("dilation_2x1_valid", {2, 3, 12, 10}, 1, 3, {{"dilation", two(2, 1)}}),
      dw("k1x1", {1, 6, 5, 7}, 3, 1),
      dw("k7x7_same", {1, 4, 12, 21}, 1, 7, {{"padding", str("same")}}),
      dw("narrow_w3", {1, 4, 5, 3}, 1, 3),
      dw("odd_tiles", {3, 5, 11, 23}, 1, 3, {{"padding", str("same")}}),
      dw("mobilenet_14x14", {1, 32, 14, 14}, 1, 3, {{"padding", str("same")}}),
      dw("mobilenet_7x7", {1, 16, 7, 7}, 1, 3, {{"padding", str("same")}}),
      with_epilogue(dw("same3x3", {1, 8, 10, 33}, 1, 3, {{"padding", str("same")}}), "relu", true,
                    "relu"),
      with_epilogue(dw("stride2_x2", {2, 3, 9, 11}, 2, 3,
                       {{"stride", two(2, 2)}, {"padding", str("same")}, {"use_bias", num(0)}}),
                    "sigmoid", true, "none"),
      with_epilogue(dw("valid", {1, 4, 8, 17}, 1, 3), "relu6", false, "none"),
  };
}

class DepthwiseTest : public ::testing::TestWithParam<ConvCase> {};

TEST_P(DepthwiseTest, MatchesReference) {
  testing::expect_conv_algorithm(GetParam(), "depthwise", "conv depthwise");
}

INSTANTIATE_TEST_SUITE_P(Conv, DepthwiseTest, ::testing::ValuesIn(depthwise_cases()),
                         testing::conv_case_name);

// The attribute is checked before lowering: depthwise needs groups == channels.
TEST(DepthwiseSchedule, RejectsOrdinaryConv) {
  ConvCase c = conv_case("plain", {1, 4, 6, 6}, 4, 3, 3);
  c.attrs.set("algorithm", std::string("depthwise"));
  EXPECT_ANY_THROW(testing::one_node("conv2d", {c.x}, c.attrs, 1));
}

}  // namespace
}  // namespace kiln
