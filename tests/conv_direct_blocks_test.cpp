// The direct conv's block forms (codegen/ops/conv2d.cpp) against the
// reference interpreter: shifted rows (pixel blocks spanning the rows of the
// flattened map, tasks of several channel blocks, input channels summed in
// chunks) and the direct form with row-band tasks padding their own rows,
// each under forced schedules, plus the default heuristic. Shapes: 14x14 and 7x7 maps,
// odd sizes, 3 input channels, every padding mode, stride 2 (shifted rows
// fall back to the direct form), channel counts not multiples of 8, batch 2
// and the fused epilogue.
//
// Tolerance: |got - want| <= 1e-4 * (1 + |want|) (float accumulation in a
// different order from the reference's double accumulation).
#include <gtest/gtest.h>

#include "codegen/ops/lower_util.h"
#include "tests/conv_algorithm_check.h"

namespace kiln {
namespace {

using codegen::schedules::ConvSchedule;
using testing::conv_case;
using testing::conv_ints;
using testing::ConvCase;
using testing::with_epilogue;

ir::AttrValue str(const char *s) { return std::string(s); }

// Lowers `c` with schedule `k` (legalized for its shape), runs it and
// compares with the reference; returns the kernel's description.
std::string check_with(const ConvCase &c, const ConvSchedule &k) {
  testing::OneNode g = testing::conv_graph(c, c.attrs, testing::case_seed(c));
  codegen::LowerRequest req = testing::lower_request(g, testing::jit_host());
  return testing::expect_kernel_matches_reference(c, g, req,
                                                  codegen::ops::lower_conv2d_with(req, k));
}

ConvSchedule shifted(int vw, int xv, int cb, int task, int chunk) {
  ConvSchedule k;
  k.vector_width = vw;
  k.x_vectors = xv;
  k.co_block = cb;
  k.shifted_rows = true;
  k.task_channels = task;
  k.ci_chunk = chunk;
  return k;
}

std::vector<ConvCase> cases() {
  auto same = std::pair<const char *, ir::AttrValue>{"padding", str("same")};
  auto s2 = std::pair<const char *, ir::AttrValue>{"stride", conv_ints{2, 2}};
  return {
      conv_case("c16_f20_14x14", {1, 16, 14, 14}, 20, 3, 3, {same}),
      conv_case("c12_f13_7x7", {1, 12, 7, 7}, 13, 3, 3, {same}),
      conv_case("c3_f10_odd_9x11", {1, 3, 9, 11}, 10, 3, 3, {same}),
      conv_case("c6_f9_valid_10x13", {1, 6, 10, 13}, 9, 3, 3),
      conv_case("c5_f7_reflect", {1, 5, 9, 8}, 7, 3, 3, {same, {"padding_mode", str("reflect")}}),
      conv_case("c4_f6_replicate_asym", {1, 4, 11, 6}, 6, 3, 3,
                {{"padding", conv_ints{2, 0, 1, 2}}, {"padding_mode", str("replicate")}}),
      conv_case("c8_f11_s2_14x14", {1, 8, 14, 14}, 11, 3, 3, {same, s2}),
      conv_case("batch2_c10_f12_14x14", {2, 10, 14, 14}, 12, 3, 3, {same}),
      conv_case("dilated_c4_f5", {1, 4, 12, 12}, 5, 3, 3, {same, {"dilation", conv_ints{2, 2}}}),
      conv_case("no_bias_c6_f8", {1, 6, 7, 7}, 8, 3, 3, {same, {"use_bias", int64_t{0}}}),
      with_epilogue(conv_case("epi_c9_f10_7x7", {2, 9, 7, 7}, 10, 3, 3, {same}), "relu", true,
                    "relu"),
  };
}

class DirectBlocksTest : public ::testing::TestWithParam<ConvCase> {};

// Shifted rows with one and several ci chunks, tasks of one and several co
// blocks, channel counts that do not divide the blocks, 8- and 4-lane vectors.
TEST_P(DirectBlocksTest, ShiftedRowsMatchReference) {
  const ConvCase &c = GetParam();
  const bool stride1 = c.attrs.has("stride") == false;
  for (const ConvSchedule &k : {shifted(8, 2, 6, 12, 0), shifted(8, 3, 4, 8, 2),
                                shifted(4, 1, 3, 100, 3), shifted(8, 1, 5, 5, 1)}) {
    try {
      std::string schedule = check_with(c, k);
      EXPECT_EQ(schedule.find("shifted rows") != std::string::npos, stride1) << schedule;
    } catch (const Halide::Error &e) {
      FAIL() << c.name << ": Halide error: " << e.what();
    }
  }
}

// The direct form with row-band tasks that pad their own input rows, at
// one and several rows per block.
TEST_P(DirectBlocksTest, RowBandTasksMatchReference) {
  for (int rows : {1, 3}) {
    ConvSchedule k;
    k.vector_width = 8;
    k.x_vectors = 1;
    k.y_block = rows;
    k.co_block = 4;
    k.channels_inner = true;
    k.band_tasks = true;
    try {
      std::string schedule = check_with(GetParam(), k);
      EXPECT_NE(schedule.find("row bands padded per task"), std::string::npos) << schedule;
    } catch (const Halide::Error &e) {
      FAIL() << GetParam().name << ": Halide error: " << e.what();
    }
  }
}

// The default heuristic, through the op table.
TEST_P(DirectBlocksTest, DefaultScheduleMatchesReference) {
  testing::expect_conv_algorithm(GetParam(), "direct", "conv ");
}

INSTANTIATE_TEST_SUITE_P(Conv, DirectBlocksTest, ::testing::ValuesIn(cases()),
                         testing::conv_case_name);

}  // namespace
}  // namespace kiln
