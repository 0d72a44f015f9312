// The im2col GEMM with pixel lanes on large maps (codegen/ops/gemm.cpp)
// against the reference interpreter: 1x1 stride-1 convs whose input strip
// is too deep for L1 take a packed A panel per task (default_gemm_schedule),
// on pixel counts that divide no strip, input channels that are a multiple
// of no vector and output channels of no register block, with groups, batch,
// no bias and the fused epilogue; and tasks of several strips
// (GemmSchedule::strips_per_task), packed or read in place, through dense.
//
// Tolerance: |got - want| <= 1e-4 * (1 + |want|) (float accumulation in a
// different order from the reference's double accumulation; inputs and
// weights in [-1, 1), at most 600 terms per output).
#include <gtest/gtest.h>

#include <cstdlib>

#include "codegen/ops/gemm.h"
#include "tests/conv_algorithm_check.h"

namespace kiln {
namespace {

using testing::conv_case;
using testing::ConvCase;
using testing::with_epilogue;

ir::AttrValue num(int64_t v) { return v; }

// Maps over 196 pixels keep the pixel lanes (conv_prefers_lanes_along_i);
// 300 or more input channels make a strip deeper than half of L1.
std::vector<ConvCase> packed_pointwise_cases() {
  return {
      conv_case("pw_17x13_k300_f37", {1, 300, 17, 13}, 37, 1, 1),
      conv_case("pw_15x15_k301_f5", {1, 301, 15, 15}, 5, 1, 1),
      conv_case("pw_batch2_k333", {2, 333, 16, 17}, 19, 1, 1, {{"use_bias", num(0)}}),
      conv_case("pw_groups2_k600", {1, 600, 14, 15}, 22, 1, 1, {{"groups", num(2)}}),
      with_epilogue(conv_case("pw_19x11_k257", {1, 257, 19, 11}, 29, 1, 1), "relu", true, "relu"),
      with_epilogue(
          conv_case("pw_13x23_k400_nobias", {1, 400, 13, 23}, 7, 1, 1, {{"use_bias", num(0)}}),
          "relu", false, "none"),
  };
}

class PackedPointwiseTest : public ::testing::TestWithParam<ConvCase> {};

TEST_P(PackedPointwiseTest, MatchesReference) {
  testing::expect_conv_algorithm(GetParam(), "im2col", "A strip packed per task");
}

INSTANTIATE_TEST_SUITE_P(Conv, PackedPointwiseTest, ::testing::ValuesIn(packed_pointwise_cases()),
                         testing::conv_case_name);

// Shallow pointwise convs on large maps still read the input in place.
TEST(LargeMapGemmSchedule, ShallowPointwiseReadsInPlace) {
  for (const ConvCase &c : {conv_case("pw_k64", {1, 64, 16, 16}, 32, 1, 1),
                            conv_case("pw_k100_odd", {1, 100, 15, 17}, 9, 1, 1)}) {
    std::string s = testing::check_conv_algorithm(c, "im2col");
    EXPECT_NE(s.find("A read in place"), std::string::npos) << c.name << ": " << s;
  }
}

// Tasks of several strips, through dense (j = units, i = batch rows), with
// the panel packed or W read in place; units that divide no task, batch rows
// of no register block, the bias and a fused residual.
TEST(LargeMapGemmSchedule, StripsPerTaskMatchReference) {
  struct Case {
    int64_t batch, in_features, units;
    bool bias, residual;
  };
  for (Case d : std::vector<Case>{
           {13, 129, 100, true, true}, {5, 37, 203, false, false}, {32, 64, 77, true, false}})
    for (bool pack : {true, false})
      for (int strips : {2, 3, 5}) {
        SCOPED_TRACE(std::to_string(d.batch) + "x" + std::to_string(d.in_features) + "->" +
                     std::to_string(d.units) + (pack ? " packed" : " in place") + ", " +
                     std::to_string(strips) + " strips per task");
        ir::Attrs a;
        a.set("units", d.units);
        a.set("use_bias", int64_t{d.bias});
        if (d.residual) a.set("activation", std::string("relu"));
        testing::OneNode g = testing::one_node("dense", {{d.batch, d.in_features}}, a, 11);
        if (d.residual) {
          int r = g.graph.add_input("residual", {ir::DType::F32, {d.batch, d.units}});
          g.graph.nodes[g.node].inputs.push_back(r);
          g.graph.nodes[g.node].attrs.set("has_residual", int64_t{1});
          g.inputs.push_back(testing::random_tensor({d.batch, d.units}, 98));
        }
        codegen::schedules::GemmShape gs{d.units, d.batch, d.in_features, 1};
        codegen::schedules::GemmSchedule s =
            codegen::schedules::default_gemm_schedule(gs, testing::jit_host(), false);
        s.pack_a = pack;
        s.strips_per_task = strips;
        codegen::LoweredKernel k = codegen::ops::lower_matmul_wt_gemm(
            {d.batch, d.in_features, d.units}, d.bias, ir::ops::epilogue_of(g.n().attrs), s);
        EXPECT_NE(k.schedule.find("strips per task"), std::string::npos) << k.schedule;
        std::vector<reference::Tensor> got =
            testing::run_lowered(k, g.inputs, {{d.batch, d.units}}, testing::jit_host());
        std::vector<const reference::Tensor *> in;
        for (const auto &t : g.inputs) in.push_back(&t);
        std::vector<reference::Tensor> want = reference::run_node(g.n(), in);
        std::string diff = testing::compare(got[0], want[0], 1e-4);
        EXPECT_TRUE(diff.empty()) << k.schedule << ": " << diff;
      }
}

// For reading the inner loop of ResNet-50's 1x1 layers: with
// KILN_DUMP_ASM_DIR set, writes their assembly and lowered statement there.
TEST(LargeMapGemmSchedule, DumpsAssemblyOnRequest) {
  const char *dir = getenv("KILN_DUMP_ASM_DIR");
  if (!dir) GTEST_SKIP() << "KILN_DUMP_ASM_DIR not set";
  for (const ConvCase &c : {conv_case("l1_reduce", {1, 256, 56, 56}, 64, 1, 1),
                            conv_case("l1_expand", {1, 64, 56, 56}, 256, 1, 1)}) {
    ir::Attrs a = c.attrs;
    a.set("algorithm", std::string("im2col"));
    testing::OneNode g = testing::one_node("conv2d", {c.x}, a, 1);
    codegen::LoweredKernel k = codegen::lower_node(testing::lower_request(g, testing::jit_host()));
    std::vector<Halide::Argument> args(k.params.begin(), k.params.end());
    std::string base = std::string(dir) + "/" + c.name;
    k.pipeline.compile_to_assembly(base + ".s", args, "kernel", testing::jit_host());
    k.pipeline.compile_to_lowered_stmt(base + ".stmt", args, Halide::StmtOutputFormat::Text,
                                       testing::jit_host());
    std::printf("%s: %s\n", c.name.c_str(), k.schedule.c_str());
  }
}

}  // namespace
}  // namespace kiln
