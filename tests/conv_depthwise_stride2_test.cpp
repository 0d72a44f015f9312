// The depthwise kernel's default schedule against the reference
// interpreter on its edge shapes: stride 2 with odd sizes, widths that do not divide
// the vector (and rows narrower than one), every padding mode, 7x7 and 14x14
// maps, channel counts not a multiple of 8, batch 2, multiplier 2 and the
// fused epilogue (ReLU6, residual).
//
// Tolerance: |got - want| <= 1e-4 * (1 + |want|) (float accumulation in a
// different order from the reference's double accumulation).
#include <gtest/gtest.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "codegen/ops/conv_algorithms.h"
#include "codegen/schedules/schedule_knobs.h"
#include "tests/conv_algorithm_check.h"

namespace kiln {
namespace {

using codegen::schedules::ScheduleKnobs;
using testing::check_depthwise;
using testing::conv_case;
using testing::conv_ints;
using testing::ConvCase;
using testing::depthwise_case;
using testing::kSame;
using testing::kStride2;
using testing::pads;
using testing::with_epilogue;

ir::AttrValue str(const char *s) { return std::string(s); }

std::vector<ConvCase> edge_cases() {
  return {
      // Stride 2, odd and even sizes, rows narrower than a vector.
      depthwise_case("s2_c6_7x7", {1, 6, 7, 7}, 1, 3, {kSame, kStride2}),
      depthwise_case("s2_c13_14x14", {1, 13, 14, 14}, 1, 3, {kSame, kStride2}),
      depthwise_case("s2_c9_15x13", {1, 9, 15, 13}, 1, 3, {kSame, kStride2}),
      depthwise_case("s2_c5_valid_29x23", {1, 5, 29, 23}, 1, 3, {kStride2}),
      depthwise_case("s2_c7_tf_28x28", {1, 7, 28, 28}, 1, 3,
                     {kStride2, {"padding", pads(0, 0, 1, 1)}}),
      depthwise_case("s2_c4_replicate_19x21", {1, 4, 19, 21}, 1, 3,
                     {kStride2, {"padding", pads(1, 1, 1, 1)}, {"padding_mode", str("replicate")}}),
      depthwise_case("s2_c4_reflect_12x21", {1, 4, 12, 21}, 1, 3,
                     {kStride2, {"padding", pads(1, 2, 1, 0)}, {"padding_mode", str("reflect")}}),
      depthwise_case("s2_c3_w3", {1, 3, 9, 3}, 1, 3, {kSame, kStride2}),
      // Stride 1, 7x7 and 14x14 maps, channels not a multiple of 8, widths
      // that do not divide the vector, valid (no padding) convs.
      depthwise_case("s1_c37_7x7", {1, 37, 7, 7}, 1, 3, {kSame}),
      depthwise_case("s1_c21_14x14", {1, 21, 14, 14}, 1, 3, {kSame}),
      depthwise_case("s1_c5_valid_9x11", {1, 5, 9, 11}, 1, 3),
      depthwise_case("s1_c3_valid_5x17", {1, 3, 5, 17}, 1, 3),
      depthwise_case("s1_c6_reflect_10x13", {1, 6, 10, 13}, 1, 3,
                     {kSame, {"padding_mode", str("reflect")}}),
      depthwise_case("s1_c4_asym_10x19", {1, 4, 10, 19}, 1, 3, {{"padding", pads(2, 0, 0, 2)}}),
      // Batch 2, multiplier 2, the fused epilogue.
      depthwise_case("b2_s2_c11_14x14", {2, 11, 14, 14}, 1, 3, {kSame, kStride2}),
      depthwise_case("b2_s1_c10_7x7", {2, 10, 7, 7}, 1, 3, {kSame}),
      depthwise_case("x2_b2_s2_c5_13x15", {2, 5, 13, 15}, 2, 3, {kSame, kStride2}),
      with_epilogue(depthwise_case("relu6_s2_c12_14x14", {1, 12, 14, 14}, 1, 3, {kSame, kStride2}),
                    "relu6", false, "none"),
      with_epilogue(depthwise_case("res_s1_c9_7x7", {1, 9, 7, 7}, 1, 3, {kSame}), "relu", true,
                    "relu6"),
      with_epilogue(depthwise_case("res_s2_c7_b2_11x9", {2, 7, 11, 9}, 1, 3, {kSame, kStride2}),
                    "none", true, "relu6"),
  };
}

class DepthwiseEdgeTest : public ::testing::TestWithParam<ConvCase> {};

TEST_P(DepthwiseEdgeTest, DefaultMatchesReference) {
  try {
    check_depthwise(GetParam());
  } catch (const Halide::Error &e) {
    FAIL() << GetParam().name << ": Halide error: " << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Conv, DepthwiseEdgeTest, ::testing::ValuesIn(edge_cases()),
                         testing::conv_case_name);

// Timing, not a check (run by hand): one depthwise layer (KILN_DW_LAYER =
// "channels,input size,stride", default MobileNet's conv_dw_13) under the
// default schedule and each knob set of KILN_DW_KNOBS ("name=value,...;..."),
// JIT-compiled, alternately, 5 rounds of 100 runs; prints medians.
TEST(DepthwiseBench, DISABLED_Layer) {
  int64_t ch = 1024, size = 7, stride = 1;
  if (const char *l = std::getenv("KILN_DW_LAYER"))
    std::sscanf(l, "%ld,%ld,%ld", &ch, &size, &stride);
  ConvCase c = depthwise_case("bench", {1, ch, size, size}, 1, 3,
                              {kSame, {"stride", conv_ints{stride, stride}}});
  testing::OneNode g = testing::depthwise_graph(c, 1);
  codegen::LowerRequest req = testing::lower_request(g, testing::jit_host());
  std::vector<ScheduleKnobs> sets = {{}};
  if (const char *env = std::getenv("KILN_DW_KNOBS")) {
    std::stringstream all(env);
    std::string one;
    while (std::getline(all, one, ';')) {
      ScheduleKnobs k = codegen::schedules::knobs_of(codegen::ops::conv_depthwise_schedule(req));
      std::stringstream kv(one);
      std::string item;
      while (std::getline(kv, item, ',')) {
        size_t eq = item.find('=');
        if (eq != std::string::npos) k.values[item.substr(0, eq)] = std::stol(item.substr(eq + 1));
      }
      sets.push_back(k);
    }
  }
  struct Compiled {
    codegen::LoweredKernel k;
    Halide::Buffer<float> out;
    std::vector<double> times;
  };
  std::vector<Compiled> runs;
  reference::Tensor out_data(req.outputs[0].shape);
  for (const ScheduleKnobs &knobs : sets) {
    codegen::LowerRequest r = req;
    r.tuned = knobs;
    Compiled cmp{codegen::lower_node(r), {}, {}};
    for (size_t i = 0; i < g.inputs.size(); i++)
      cmp.k.params[i].set(testing::view_buffer(g.inputs[i].data.data(), cmp.k.input_views[i]));
    cmp.out = testing::view_buffer(out_data.data.data(), cmp.k.output_views[0]);
    cmp.k.pipeline.compile_jit(testing::jit_host());
    if (const char *dir = std::getenv("KILN_DW_STMT")) {  // the lowered loops, to read
      std::vector<Halide::Argument> args(cmp.k.params.begin(), cmp.k.params.end());
      std::string path = std::string(dir) + "/dw" + std::to_string(runs.size());
      cmp.k.pipeline.compile_to_lowered_stmt(path + ".stmt", args, Halide::Text,
                                             testing::jit_host());
      cmp.k.pipeline.compile_to_assembly(path + ".s", args, "dw", testing::jit_host());
    }
    runs.push_back(std::move(cmp));
  }
  auto now = [] {
    timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
  };
  for (int round = 0; round < 5; round++)
    for (Compiled &cmp : runs) {
      for (int r = 0; r < 5; r++) cmp.k.pipeline.realize(cmp.out, testing::jit_host());
      for (int r = 0; r < 100; r++) {
        double t0 = now();
        cmp.k.pipeline.realize(cmp.out, testing::jit_host());
        cmp.times.push_back(now() - t0);
      }
    }
  double macs = static_cast<double>(ch) * (size / stride) * (size / stride) * 9;
  for (Compiled &cmp : runs) {
    std::sort(cmp.times.begin(), cmp.times.end());
    double ms = cmp.times[cmp.times.size() / 2];
    std::printf("%.4f ms %.1f GFLOP/s  %s\n", ms, 2 * macs / ms * 1e-6, cmp.k.schedule.c_str());
  }
}

}  // namespace
}  // namespace kiln
