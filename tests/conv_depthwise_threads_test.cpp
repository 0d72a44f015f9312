// The depthwise kernel's task split and schedule knobs
// (codegen/schedules/depthwise_schedule.h, codegen/ops/conv_depthwise.cpp)
// against the reference interpreter: the default heuristic's serial and
// parallel paths (odd sizes, padding modes, stride 2, batch, the fused
// epilogue), every knob at its extremes through tuned knobs of family
// "depthwise", the knob converters, and the heuristic's task split on
// MobileNet v1's layers (whole channels per task, serial when small).
//
// Tolerance: |got - want| <= 1e-4 * (1 + |want|) (float accumulation in a
// different order from the reference's double accumulation). The JIT runs
// with one thread per core, so parallel schedules run on two threads here.
#include <gtest/gtest.h>
#include <time.h>

#include <algorithm>
#include <cstdio>

#include "codegen/ops/conv_algorithms.h"
#include "codegen/schedules/schedule_knobs.h"
#include "ir/errors.h"
#include "tests/conv_algorithm_check.h"

namespace kiln {
namespace {

using codegen::schedules::ConvShape;
using codegen::schedules::DepthwiseSchedule;
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

// --- the default heuristic: serial and parallel paths ----------------------

struct PathCase {
  ConvCase conv;
  bool parallel;  // the default schedule is expected to run in parallel
};

void PrintTo(const PathCase &c, std::ostream *os) { *os << c.conv.name; }

std::vector<PathCase> path_cases() {
  return {
      // Small: serial (below kDepthwiseSerialBelowMacs).
      {depthwise_case("serial_odd_13x11", {1, 5, 13, 11}, 1, 3, {kSame}), false},
      {depthwise_case("serial_s2_reflect", {1, 6, 15, 17}, 1, 3,
                      {kStride2, {"padding", pads(1, 1, 1, 1)}, {"padding_mode", str("reflect")}}),
       false},
      {with_epilogue(depthwise_case("serial_relu6_res", {2, 7, 9, 9}, 1, 3, {kSame}), "relu6", true,
                     "none"),
       false},
      // Large enough to run in parallel (>= kDepthwiseSerialBelowMacs); channel counts that do not
      // divide
      // into 8 tasks (37, 61: prime), odd sizes, a single channel (row strips
      // as tasks), stride 2 and the epilogue.
      {depthwise_case("par_c37_45x41", {1, 37, 45, 41}, 1, 3, {kSame}), true},
      {depthwise_case("par_c61_valid_33x35", {1, 61, 33, 35}, 1, 3), true},
      {depthwise_case("par_c1_rows_257x233", {1, 1, 257, 233}, 1, 3, {kSame}), true},
      {depthwise_case("par_c3_rows_135x151_replicate", {1, 3, 135, 151}, 1, 3,
                      {{"padding", pads(1, 1, 1, 1)}, {"padding_mode", str("replicate")}}),
       true},
      {depthwise_case("par_s2_c48_81x75", {1, 48, 81, 75}, 1, 3, {kSame, kStride2}), true},
      {depthwise_case("par_s2_tf_c96_56x56", {1, 96, 56, 56}, 1, 3,
                      {kStride2, {"padding", pads(0, 0, 1, 1)}}),
       true},
      {depthwise_case("par_x2_batch2_c13_33x35", {2, 13, 33, 35}, 2, 3, {kSame}), true},
      {with_epilogue(depthwise_case("par_relu6_c96_28x28", {1, 96, 28, 28}, 1, 3, {kSame}), "relu6",
                     false, "none"),
       true},
      {with_epilogue(
           depthwise_case("par_res_s2_c64_63x59", {1, 64, 63, 59}, 1, 3, {kSame, kStride2}), "relu",
           true, "relu6"),
       true},
  };
}

class DepthwisePathTest : public ::testing::TestWithParam<PathCase> {};

TEST_P(DepthwisePathTest, MatchesReference) {
  try {
    std::string schedule = check_depthwise(GetParam().conv);
    EXPECT_NE(schedule.find(GetParam().parallel ? "in parallel" : ", serial"), std::string::npos)
        << schedule;
  } catch (const Halide::Error &e) {
    FAIL() << GetParam().conv.name << ": Halide error: " << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Conv, DepthwisePathTest, ::testing::ValuesIn(path_cases()),
                         [](const ::testing::TestParamInfo<PathCase> &info) {
                           return info.param.conv.name;
                         });

// --- tuned knobs at their extremes -------------------------------------------

struct KnobCase {
  std::string name;
  std::map<std::string, int64_t> values;
};

void PrintTo(const KnobCase &c, std::ostream *os) { *os << c.name; }

std::vector<KnobCase> knob_cases() {
  return {
      {"scalar", {{"vector_width", 1}, {"x_vectors", 1}, {"y_block", 1}}},
      {"widest", {{"vector_width", 64}, {"x_vectors", 8}, {"y_block", 64}}},
      {"vw4_xv4_yb8", {{"vector_width", 4}, {"x_vectors", 4}, {"y_block", 8}}},
      {"strip_one_row", {{"strip_rows", 1}, {"y_block", 1}}},
      {"strip_whole", {{"strip_rows", 100000}, {"y_block", 3}}},
      {"strip_not_blocks", {{"strip_rows", 7}, {"y_block", 3}}},
      {"one_channel_tasks", {{"task_channels", 1}, {"parallel", 1}}},
      {"all_channel_task", {{"task_channels", 100000}, {"parallel", 1}}},
      {"uneven_channel_tasks", {{"task_channels", 3}, {"parallel", 1}}},
      {"split_rows", {{"split_rows", 1}, {"strip_rows", 5}, {"task_channels", 2}, {"parallel", 1}}},
      {"serial_split_rows", {{"split_rows", 1}, {"parallel", 0}}},
      {"no_phases", {{"column_phases", 0}}},
      {"phases", {{"column_phases", 1}}},
      {"taps_not_unrolled", {{"unroll_taps", 0}}},
      {"zero_and_negative",
       {{"vector_width", 0},
        {"x_vectors", 0},
        {"y_block", -3},
        {"strip_rows", 0},
        {"task_channels", -1}}},
  };
}

class DepthwiseKnobTest : public ::testing::TestWithParam<KnobCase> {};

TEST_P(DepthwiseKnobTest, MatchesReference) {
  const KnobCase &k = GetParam();
  ScheduleKnobs knobs{"depthwise", k.values, ""};
  // Stride 1 and 2, odd sizes, padding, an epilogue and a multiplier.
  std::vector<ConvCase> cases = {
      depthwise_case(k.name + "_s1", {1, 7, 17, 13}, 1, 3, {kSame}),
      depthwise_case(k.name + "_s2", {1, 5, 19, 21}, 1, 3, {kSame, kStride2}),
      with_epilogue(
          depthwise_case(k.name + "_x2_b2", {2, 3, 11, 9}, 2, 3, {{"padding", pads(2, 0, 1, 1)}}),
          "relu6", true, "none"),
  };
  for (const ConvCase &c : cases) {
    try {
      check_depthwise(c, knobs);
    } catch (const Halide::Error &e) {
      ADD_FAILURE() << c.name << ": Halide error: " << e.what();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Conv, DepthwiseKnobTest, ::testing::ValuesIn(knob_cases()),
                         [](const ::testing::TestParamInfo<KnobCase> &info) {
                           return info.param.name;
                         });

// --- converters and the heuristic ----------------------------------------------

TEST(DepthwiseKnobs, RoundTrip) {
  DepthwiseSchedule s;
  s.vector_width = 4;
  s.x_vectors = 3;
  s.y_block = 5;
  s.strip_rows = 20;
  s.task_channels = 7;
  s.split_rows = true;
  s.column_phases = true;
  s.unroll_taps = false;
  s.parallel = false;
  ScheduleKnobs k = codegen::schedules::knobs_of(s);
  EXPECT_EQ(k.family, "depthwise");
  EXPECT_EQ(k.values.size(), 9u);
  DepthwiseSchedule back = codegen::schedules::depthwise_schedule_from(k);
  EXPECT_EQ(back.describe(), s.describe());
  EXPECT_EQ(codegen::schedules::knobs_of(back).str(), k.str());
  // Knobs left out keep the struct's defaults.
  DepthwiseSchedule partial =
      codegen::schedules::depthwise_schedule_from({"depthwise", {{"y_block", 2}}, ""});
  EXPECT_EQ(partial.y_block, 2);
  EXPECT_EQ(partial.task_channels, DepthwiseSchedule{}.task_channels);
  EXPECT_THROW(codegen::schedules::depthwise_schedule_from({"conv2d", {}, ""}), InternalError);
}

// Knobs naming an autoscheduler: the lowering returns the algorithm
// unscheduled and lower_node schedules it (codegen/autoschedule.h).
TEST(DepthwiseKnobs, Autoscheduler) {
  try {
    std::string schedule =
        check_depthwise(depthwise_case("auto_s2", {1, 6, 15, 13}, 1, 3, {kSame, kStride2}),
                        {"depthwise", {}, "Mullapudi2016"});
    EXPECT_NE(schedule.find("unscheduled"), std::string::npos) << schedule;
  } catch (const Halide::Error &e) {
    FAIL() << "Halide error: " << e.what();
  }
}

// MobileNet v1's depthwise layers (224x224 input): tasks of whole channels
// that divide the channels (no task computes another's output), about 8 of
// them, serial below the size threshold, strips that tile whole blocks.
TEST(DepthwiseHeuristic, MobileNetTaskSplit) {
  struct Layer {
    int64_t c, in, stride;
  };
  const Layer layers[] = {{32, 112, 1}, {64, 112, 2}, {128, 56, 1}, {128, 56, 2}, {256, 28, 1},
                          {256, 28, 2}, {512, 14, 1}, {512, 14, 2}, {1024, 7, 1}};
  Halide::Target avx2("x86-64-linux-avx-avx2-f16c-fma-sse41");
  for (const Layer &l : layers) {
    int64_t out = l.stride == 1 ? l.in : l.in / 2;
    ConvShape s{1, l.c, l.in, l.in, l.c, out, out, l.c, 3, 3, l.stride, l.stride};
    DepthwiseSchedule k = codegen::schedules::default_depthwise_schedule(s, avx2);
    std::string what = std::to_string(l.c) + "x" + std::to_string(out) + " s" +
                       std::to_string(l.stride) + ": " + k.describe();
    int64_t macs = l.c * out * out * 9;
    EXPECT_EQ(k.parallel, macs >= codegen::schedules::kDepthwiseSerialBelowMacs) << what;
    EXPECT_EQ(l.c % k.task_channels, 0) << what;
    EXPECT_FALSE(k.split_rows) << what;
    if (k.parallel) {
      EXPECT_GE(l.c / k.task_channels, 4) << what;
      EXPECT_GE(k.task_channels * out * out * 9, codegen::schedules::kDepthwiseTaskMacs) << what;
    }
    EXPECT_TRUE(k.strip_rows == out || k.strip_rows % k.y_block == 0) << what;
    EXPECT_EQ(k.column_phases, l.stride == 2) << what;
    // The heuristic's choice is already legal.
    EXPECT_EQ(codegen::schedules::legalize(k, s).describe(), k.describe()) << what;
  }
}

// Stride-1 rows between one and two 8-lane vectors wide: 4-lane vectors x 3,
// one row per block; stride 2 keeps 8 lanes.
TEST(DepthwiseHeuristic, NarrowRowsHalfVectors) {
  Halide::Target avx2("x86-64-linux-avx-avx2-f16c-fma-sse41");
  ConvShape s1{1, 512, 14, 14, 512, 14, 14, 512, 3, 3, 1, 1};
  DepthwiseSchedule k = codegen::schedules::default_depthwise_schedule(s1, avx2);
  EXPECT_EQ(k.vector_width, 4) << k.describe();
  EXPECT_EQ(k.x_vectors, 3) << k.describe();
  EXPECT_EQ(k.y_block, 1) << k.describe();
  ConvShape s2{1, 256, 28, 28, 256, 14, 14, 256, 3, 3, 2, 2};
  EXPECT_EQ(codegen::schedules::default_depthwise_schedule(s2, avx2).vector_width, 8);
}

// One (n, channel) plane: strips become the parallel tasks.
TEST(DepthwiseHeuristic, FewChannelsSplitRows) {
  Halide::Target avx2("x86-64-linux-avx-avx2-f16c-fma-sse41");
  ConvShape s{1, 1, 256, 256, 1, 256, 256, 1, 3, 3, 1, 1};
  DepthwiseSchedule k = codegen::schedules::default_depthwise_schedule(s, avx2);
  EXPECT_TRUE(k.parallel) << k.describe();
  EXPECT_TRUE(k.split_rows) << k.describe();
  EXPECT_LT(k.strip_rows, 256) << k.describe();
}

// Median wall milliseconds and process CPU milliseconds per run of `req`
// lowered with `knobs` (JIT, 200 runs after 5 untimed ones).
std::pair<double, double> time_kernel(codegen::LowerRequest req, const ScheduleKnobs &knobs,
                                      testing::OneNode &g, std::string *schedule) {
  auto now = [](clockid_t clock) {
    timespec t;
    clock_gettime(clock, &t);
    return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
  };
  req.tuned = knobs;
  codegen::LoweredKernel k = codegen::lower_node(req);
  *schedule = k.schedule;
  for (size_t i = 0; i < g.inputs.size(); i++)
    k.params[i].set(testing::view_buffer(g.inputs[i].data.data(), k.input_views[i]));
  reference::Tensor out(req.outputs[0].shape);
  Halide::Buffer<float> buf = testing::view_buffer(out.data.data(), k.output_views[0]);
  for (int r = 0; r < 5; r++) k.pipeline.realize(buf, testing::jit_host());  // compiles it
  const int runs = 200;
  std::vector<double> wall;
  double cpu0 = now(CLOCK_PROCESS_CPUTIME_ID);
  for (int r = 0; r < runs; r++) {
    double t0 = now(CLOCK_MONOTONIC);
    k.pipeline.realize(buf, testing::jit_host());
    wall.push_back(now(CLOCK_MONOTONIC) - t0);
  }
  double cpu = (now(CLOCK_PROCESS_CPUTIME_ID) - cpu0) / runs;
  std::sort(wall.begin(), wall.end());
  return {wall[runs / 2], cpu};
}

// Timing, not a check (run by hand): MobileNet's 14x14 layers (conv_dw_7..11,
// 512 channels, and conv_dw_6, 256 channels at stride 2) under a few blocks.
TEST(DepthwiseBench, DISABLED_Blocks14x14) {
  for (int64_t stride : {1, 2}) {
    ConvCase c = depthwise_case("dw_14", {1, 512 / stride, 14 * stride, 14 * stride}, 1, 3,
                                {kSame, {"stride", conv_ints{stride, stride}}});
    c.attrs.set("algorithm", std::string("depthwise"));
    testing::OneNode g = testing::one_node("conv2d", {c.x}, c.attrs, 1);
    codegen::LowerRequest req = testing::lower_request(g, testing::jit_host());
    ScheduleKnobs base = codegen::schedules::knobs_of(codegen::ops::conv_depthwise_schedule(req));
    std::vector<std::map<std::string, int64_t>> variants = {
        {},
        {{"vector_width", 8}, {"x_vectors", 1}, {"y_block", 7}},
        {{"vector_width", 4}, {"x_vectors", 3}, {"y_block", 1}},
        {{"vector_width", 4}, {"x_vectors", 2}, {"y_block", 2}},
        {{"vector_width", 4}, {"x_vectors", 1}, {"y_block", 7}},
    };
    for (const auto &v : variants) {
      ScheduleKnobs knobs = base;
      for (const auto &[name, value] : v) knobs.values[name] = value;
      std::string schedule;
      auto [wall, cpu] = time_kernel(req, knobs, g, &schedule);
      std::printf("wall %.4f ms cpu %.4f ms  %s\n", wall, cpu, schedule.c_str());
    }
  }
}

// Timing, not a check (run by hand, once with HL_NUM_THREADS=1 and once with
// 2): MobileNet v1's depthwise layers JIT-compiled with the default schedule
// and with the split used before (tasks of (n, 5 channels, 16 rows), made
// here with knobs), each run 200 times; prints the median wall time and the
// process CPU time per run (all threads: waiting, spinning and redundant
// work show up there even when the other core is busy).
TEST(DepthwiseBench, DISABLED_TaskSplit) {
  struct Layer {
    const char *name;
    int64_t c, in, stride;
  };
  const Layer layers[] = {{"dw_1", 32, 112, 1}, {"dw_2", 64, 112, 2},  {"dw_3", 128, 56, 1},
                          {"dw_4", 128, 56, 2}, {"dw_5", 256, 28, 1},  {"dw_6", 256, 28, 2},
                          {"dw_7", 512, 14, 1}, {"dw_12", 512, 14, 2}, {"dw_13", 1024, 7, 1}};
  auto now = [](clockid_t clock) {
    timespec t;
    clock_gettime(clock, &t);
    return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
  };
  for (const Layer &l : layers) {
    ConvCase c = depthwise_case(l.name, {1, l.c, l.in, l.in}, 1, 3,
                                {kSame, {"stride", conv_ints{l.stride, l.stride}}});
    c.attrs.set("algorithm", std::string("depthwise"));
    testing::OneNode g = testing::one_node("conv2d", {c.x}, c.attrs, 1);
    codegen::LowerRequest req = testing::lower_request(g, testing::jit_host());
    ScheduleKnobs fresh = codegen::schedules::knobs_of(codegen::ops::conv_depthwise_schedule(req));
    ScheduleKnobs before = fresh;
    before.values["strip_rows"] = 16;
    before.values["task_channels"] = 5;
    before.values["split_rows"] = 1;
    before.values["parallel"] = 1;
    for (int which = 0; which < 2; which++) {
      const ScheduleKnobs &knobs = which == 0 ? before : fresh;
      req.tuned = knobs;
      codegen::LoweredKernel k = codegen::lower_node(req);
      std::vector<ir::Shape> out_shapes;
      for (const auto &t : req.outputs) out_shapes.push_back(t.shape);
      // run_lowered binds copies it then frees: bind g.inputs for the timed runs.
      for (size_t i = 0; i < g.inputs.size(); i++)
        k.params[i].set(testing::view_buffer(g.inputs[i].data.data(), k.input_views[i]));
      reference::Tensor out(out_shapes[0]);
      Halide::Buffer<float> buf = testing::view_buffer(out.data.data(), k.output_views[0]);
      for (int r = 0; r < 5; r++) k.pipeline.realize(buf, testing::jit_host());  // compiles it
      std::vector<double> wall;
      double cpu0 = now(CLOCK_PROCESS_CPUTIME_ID);
      const int runs = 200;
      for (int r = 0; r < runs; r++) {
        double t0 = now(CLOCK_MONOTONIC);
        k.pipeline.realize(buf, testing::jit_host());
        wall.push_back(now(CLOCK_MONOTONIC) - t0);
      }
      double cpu = (now(CLOCK_PROCESS_CPUTIME_ID) - cpu0) / runs;
      std::sort(wall.begin(), wall.end());
      std::printf("%-6s %-7s wall median %.4f ms  cpu/run %.4f ms  (%s)\n", l.name,
                  which == 0 ? "before" : "now", wall[runs / 2], cpu, k.schedule.c_str());
    }
  }
}

}  // namespace
}  // namespace kiln
