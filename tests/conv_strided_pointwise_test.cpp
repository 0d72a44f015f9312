// Strided 1x1 convs (ResNet's projection shortcuts) against the reference
// interpreter, through im2col (the GEMM with a patch panel per strip
// gathered from every stride-th pixel, codegen/ops/conv_im2col.cpp) and the
// direct kernel. Cases: odd sizes, strides 2, 3 and 2x3, channel counts that
// are no multiple of the vector width, batch 2, groups, bias or none, the
// fused epilogue, a deep strip, a 1x1 output map; a padded strided 1x1.
//
// Tolerance: |got - want| <= 1e-4 * (1 + |want|) (conv_algorithm_check.h:
// float accumulation in another order than the reference's double one;
// inputs and weights in [-1, 1), at most 300 terms per output).
#include <gtest/gtest.h>

#include "tests/conv_algorithm_check.h"

namespace kiln {
namespace {

using testing::conv_case;
using testing::conv_ints;
using testing::ConvCase;
using testing::with_epilogue;

ir::AttrValue num(int64_t v) { return v; }
ir::AttrValue ints(int64_t a, int64_t b) { return conv_ints{a, b}; }

std::vector<ConvCase> strided_cases() {
  return {
      // 8x7 out, 37 channels: channel tails.
      conv_case("s2_15x13_c19_f37", {1, 19, 15, 13}, 37, 1, 1, {{"stride", ints(2, 2)}}),
      // Few output channels.
      conv_case("s2_batch2_17x19_c45_f11", {2, 45, 17, 19}, 11, 1, 1, {{"stride", ints(2, 2)}}),
      // 18x17 = 306 output pixels: several strips with tails.
      conv_case("s2_35x33_c21_f24", {1, 21, 35, 33}, 24, 1, 1, {{"stride", ints(2, 2)}}),
      // 15x15 out, 300 input channels: a strip deeper than half of L1.
      conv_case("s2_29x29_c300_f20", {1, 300, 29, 29}, 20, 1, 1, {{"stride", ints(2, 2)}}),
      conv_case("s2x3_11x16_c13_f40", {1, 13, 11, 16}, 40, 1, 1, {{"stride", ints(2, 3)}}),
      conv_case("s3_batch2_10x14_c9_f17_nobias", {2, 9, 10, 14}, 17, 1, 1,
                {{"stride", ints(3, 3)}, {"use_bias", num(0)}}),
      conv_case("s2_groups2_13x13_c22_f34", {1, 22, 13, 13}, 34, 1, 1,
                {{"stride", ints(2, 2)}, {"groups", num(2)}}),
      // A 1x1 output map.
      conv_case("s2_2x2_c7_f33", {1, 7, 2, 2}, 33, 1, 1, {{"stride", ints(2, 2)}}),
      with_epilogue(
          conv_case("s2_batch2_9x11_c31_f48", {2, 31, 9, 11}, 48, 1, 1, {{"stride", ints(2, 2)}}),
          "relu", true, "relu"),
  };
}

class StridedPointwiseIm2col : public ::testing::TestWithParam<ConvCase> {};

TEST_P(StridedPointwiseIm2col, MatchesReference) {
  testing::expect_conv_algorithm(GetParam(), "im2col", "patch panel per strip");
}

class StridedPointwiseDirect : public ::testing::TestWithParam<ConvCase> {};

TEST_P(StridedPointwiseDirect, MatchesReference) {
  testing::expect_conv_algorithm(GetParam(), "direct", "");
}

INSTANTIATE_TEST_SUITE_P(Conv, StridedPointwiseIm2col, ::testing::ValuesIn(strided_cases()),
                         testing::conv_case_name);
INSTANTIATE_TEST_SUITE_P(Conv, StridedPointwiseDirect, ::testing::ValuesIn(strided_cases()),
                         testing::conv_case_name);

// A strided 1x1 keeps the pixel lanes on small maps too, where a stride-1
// 1x1 takes the small-map layout (conv_im2col_schedule: measured slower with
// channel lanes, also over a subsampled copy of the input; see the report
// in docs/performance.md).
TEST(StridedPointwiseSchedule, KeepsPixelLanesOnSmallMaps) {
  std::string small = testing::check_conv_algorithm(
      conv_case("s2_small", {1, 24, 13, 13}, 64, 1, 1, {{"stride", ints(2, 2)}}), "im2col");
  EXPECT_NE(small.find("(j) *"), std::string::npos) << small;
}

// Padding makes a strided 1x1 read outside its input: the patch panel.
TEST(StridedPointwiseSchedule, PaddedKeepsThePatchPanel) {
  ConvCase c = conv_case("s2_padded", {1, 10, 9, 9}, 12, 1, 1,
                         {{"stride", ints(2, 2)}, {"padding", conv_ints{1, 1, 1, 1}}});
  testing::expect_conv_algorithm(c, "im2col", "patch panel per strip, padding applied");
}

}  // namespace
}  // namespace kiln
