// conv_transpose2d: the reference kernel and the Halide lowering against
// PyTorch (golden files, tests/data/gen/make_torch_golden.py), the lowering
// against the reference on a table of shapes (odd sizes, strides 1 to 3,
// asymmetric padding, output_padding, dilation, groups, stride larger than
// the kernel, the fused epilogue, explicit schedule knobs), the shape rule's
// errors, the cost and initial weights, and the JSON spec.
//
// Tolerances, as |got - want| <= tol * (1 + |want|):
//   1e-5 reference vs PyTorch (both accumulate in double; float32 output);
//   1e-4 compiled vs PyTorch or the reference (float32 sums in another order).
//
// KILN_DUMP_STMT_DIR=dir writes each lowering case's loop nest to
// dir/<case>.stmt. Not a unit test: ConvTransposeBench.DISABLED_* times the compiled kernel
// against the reference (--gtest_also_run_disabled_tests).
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>

#include "codegen/ops/conv_transpose2d.h"
#include "frontend/json/json_spec.h"
#include "ir/errors.h"
#include "ir/op.h"
#include "ir/ops/transposed_window.h"
#include "ir/verifier.h"
#include "tests/codegen_test_util.h"
#include "tests/example_batch_util.h"
#include "tests/torch_golden_util.h"

namespace kiln {
namespace {

using codegen::LoweredKernel;
using codegen::LowerRequest;
using codegen::schedules::ConvTransposeSchedule;
using ints = std::vector<int64_t>;

const Halide::Target &host() {
  static const Halide::Target t = Halide::get_jit_target_from_environment();
  return t;
}

// --- PyTorch -----------------------------------------------------------------

class TorchGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(TorchGolden, ReferenceAndCompiledMatchPyTorch) {
  testing::expect_matches_torch_golden(GetParam(), host());
}

INSTANTIATE_TEST_SUITE_P(ConvTranspose, TorchGolden,
                         ::testing::Values("ct_s2_k3_pad1_outpad1", "ct_groups3_dilated",
                                           "ct_s1_k4", "ct_s3_k2_empty_phases", "ct_depthwise_s2"));

// --- the lowering against the reference ----------------------------------------

struct Case {
  std::string name;
  ir::Shape x;
  ir::Attrs attrs;
  bool residual = false;
  std::function<LoweredKernel(const LowerRequest &)> lower = nullptr;
};

void PrintTo(const Case &c, std::ostream *os) { *os << c.name; }

Case ct(std::string name, ir::Shape x, int64_t filters, ints kernel,
        std::initializer_list<std::pair<const char *, ir::AttrValue>> more = {}) {
  Case c{std::move(name), std::move(x), {}};
  c.attrs.set("filters", filters);
  c.attrs.set("kernel", kernel);
  for (const auto &[k, v] : more) c.attrs.set(k, v);
  return c;
}

Case with_schedule(Case c, const ConvTransposeSchedule &s) {
  c.name += "_sched";
  c.lower = [s](const LowerRequest &r) { return codegen::ops::lower_conv_transpose2d_with(r, s); };
  return c;
}

Case with_epilogue(Case c, const std::string &act, bool residual, const std::string &post) {
  c.name += "_epi";
  if (act != "none") c.attrs.set("activation", act);
  if (post != "none") c.attrs.set("post_activation", post);
  c.residual = residual;
  return c;
}

std::vector<Case> cases() {
  const ir::AttrValue s2 = ints{2, 2}, pad1 = ints{1, 1, 1, 1}, op1 = ints{1, 1};
  std::vector<Case> c = {
      ct("s2_k3_pad1_outpad1", {1, 4, 5, 7}, 6, {3, 3},
         {{"stride", s2}, {"padding", pad1}, {"output_padding", op1}}),
      ct("dcgan_s2_k4_pad1", {2, 8, 6, 6}, 4, {4, 4}, {{"stride", s2}, {"padding", pad1}}),
      ct("unet_s2_k2", {1, 16, 7, 9}, 8, {2, 2}, {{"stride", s2}}),
      ct("asym_pad_s2x3", {1, 3, 5, 6}, 5, {3, 4},
         {{"stride", ints{2, 3}}, {"padding", ints{2, 0, 1, 3}}, {"output_padding", ints{1, 0}}}),
      ct("dilation2_s1", {1, 3, 6, 5}, 4, {3, 3},
         {{"dilation", ints{2, 2}}, {"padding", ints{2, 2, 2, 2}}}),
      // stride 2, dilation 2: the odd phases receive no tap.
      ct("dilation2_s2_empty_phases", {2, 2, 5, 6}, 3, {3, 3},
         {{"stride", s2}, {"dilation", ints{2, 2}}, {"padding", pad1}, {"output_padding", op1}}),
      ct("s3_dilation2", {1, 2, 4, 4}, 2, {3, 3},
         {{"stride", ints{3, 3}}, {"dilation", ints{2, 2}}, {"output_padding", ints{2, 1}}}),
      ct("groups2", {2, 6, 5, 7}, 4, {3, 3},
         {{"groups", int64_t{2}}, {"stride", s2}, {"padding", pad1}, {"output_padding", op1}}),
      ct("depthwise_s2", {1, 8, 6, 5}, 8, {3, 3}, {{"groups", int64_t{8}}, {"stride", s2}}),
      ct("s1_same_size_nobias", {1, 5, 7, 11}, 3, {3, 3},
         {{"padding", pad1}, {"use_bias", int64_t{0}}}),
      ct("k1_s2", {1, 4, 5, 5}, 3, {1, 1}, {{"stride", s2}}),
      ct("input_1x1", {2, 3, 1, 1}, 4, {3, 3}, {{"stride", s2}}),
      ct("k1_s2_input_1x1", {1, 3, 1, 1}, 2, {1, 1}, {{"stride", s2}}),
      ct("batch3_wide", {3, 4, 3, 40}, 5, {3, 3},
         {{"stride", s2}, {"padding", pad1}, {"output_padding", op1}}),
      ct("large_parallel", {1, 32, 16, 16}, 32, {4, 4}, {{"stride", s2}, {"padding", pad1}}),
      with_epilogue(ct("epi_relu", {1, 4, 5, 7}, 6, {3, 3}, {{"stride", s2}, {"padding", pad1}}),
                    "relu", false, "none"),
      with_epilogue(ct("epi_residual", {2, 4, 5, 7}, 3, {3, 3},
                       {{"stride", s2}, {"padding", pad1}, {"output_padding", op1}}),
                    "tanh", true, "relu"),
  };
  // Randomized shapes and attributes (fixed seed).
  std::mt19937 rng(4321);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int t = 0; t < 6; t++) {
    int groups = pick(1, 3), kh = pick(1, 4), kw = pick(1, 4), sh = pick(1, 3), sw = pick(1, 3);
    int dh = pick(1, 2), dw = pick(1, 2);
    int oph = pick(0, std::max(sh, dh) - 1), opw = pick(0, std::max(sw, dw) - 1);
    int h = pick(3, 9), w = pick(3, 13);
    int pt = pick(0, 2), pl = pick(0, 2), pb = pick(0, 2), pr = pick(0, 2);
    // Keep the output at least one pixel: crop no more than the full output.
    if ((h - 1) * sh + dh * (kh - 1) + oph + 1 - pt - pb < 1) pt = pb = 0;
    if ((w - 1) * sw + dw * (kw - 1) + opw + 1 - pl - pr < 1) pl = pr = 0;
    c.push_back(ct("random" + std::to_string(t), {pick(1, 2), groups * pick(1, 3), h, w},
                   groups * pick(1, 4), {kh, kw},
                   {{"stride", ints{sh, sw}},
                    {"dilation", ints{dh, dw}},
                    {"padding", ints{pt, pl, pb, pr}},
                    {"output_padding", ints{oph, opw}},
                    {"groups", int64_t{groups}},
                    {"use_bias", int64_t{pick(0, 1)}}}));
  }
  // Knobs a tuner might set: narrow vectors, odd blocks, serial; oversized
  // knobs are legalized.
  c.push_back(with_schedule(ct("narrow_odd_blocks", {2, 5, 7, 9}, 7, {3, 3},
                               {{"stride", s2}, {"padding", pad1}, {"output_padding", op1}}),
                            {4, 3, 5, 1, 4, false}));
  c.push_back(with_schedule(ct("oversized_knobs", {1, 3, 4, 5}, 2, {3, 3}, {{"stride", s2}}),
                            {64, 8, 32, 16, 64, true}));
  c.push_back(with_schedule(ct("scalar", {1, 2, 3, 3}, 3, {2, 3}, {{"stride", ints{3, 2}}}),
                            {1, 1, 1, 1, 1, false}));
  return c;
}

testing::OneNode case_graph(const Case &c, uint32_t seed) {
  testing::OneNode g = testing::one_node("conv_transpose2d", {c.x}, c.attrs, seed);
  if (!c.residual) return g;
  const ir::Shape out = g.graph.value(g.n().outputs[0]).type.shape;
  int r = g.graph.add_input("residual", {ir::DType::F32, out});
  g.graph.nodes[g.node].inputs.push_back(r);
  g.graph.nodes[g.node].attrs.set("has_residual", int64_t{1});
  g.inputs.push_back(testing::random_tensor(out, seed + 4242));
  g.graph.mark_output(g.n().outputs[0]);
  ir::verify_or_throw(g.graph, c.name);
  return g;
}

class Lowering : public ::testing::TestWithParam<Case> {};

TEST_P(Lowering, MatchesReference) {
  const Case &c = GetParam();
  try {
    testing::OneNode g = case_graph(c, static_cast<uint32_t>(std::hash<std::string>{}(c.name)));
    LowerRequest req = testing::lower_request(g, host());
    LoweredKernel k = c.lower ? c.lower(req) : codegen::lower_node(req);
    ::testing::Test::RecordProperty("schedule", k.schedule);
    if (const char *dir = getenv("KILN_DUMP_STMT_DIR")) {  // for reading the loop nests
      std::vector<Halide::Argument> args(k.params.begin(), k.params.end());
      k.pipeline.compile_to_lowered_stmt(std::string(dir) + "/" + c.name + ".stmt", args,
                                         Halide::StmtOutputFormat::Text, host());
    }
    std::vector<reference::Tensor> got =
        testing::run_lowered(k, g.inputs, {req.outputs[0].shape}, host());
    std::vector<const reference::Tensor *> in;
    for (const auto &t : g.inputs) in.push_back(&t);
    std::vector<reference::Tensor> want = reference::run_node(g.n(), in);
    std::string diff = testing::compare(got[0], want[0], 1e-4);
    EXPECT_TRUE(diff.empty()) << c.name << " (" << k.schedule << "): " << diff;
  } catch (const Halide::Error &e) {
    FAIL() << c.name << ": Halide error: " << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(ConvTranspose, Lowering, ::testing::ValuesIn(cases()),
                         [](const auto &info) { return info.param.name; });

// A large layer is scheduled: parallel, with full-width vectors.
TEST(ConvTransposeSchedule, LargeLayerIsParallelAndVectorized) {
  testing::OneNode g = testing::one_node(
      "conv_transpose2d", {{1, 64, 28, 28}},
      ct("big", {}, 32, {4, 4}, {{"stride", ints{2, 2}}, {"padding", ints{1, 1, 1, 1}}}).attrs, 1);
  LoweredKernel k = codegen::lower_node(testing::lower_request(g, host()));
  std::string path = ::testing::TempDir() + "kiln_conv_transpose.stmt";
  std::vector<Halide::Argument> args(k.params.begin(), k.params.end());
  k.pipeline.compile_to_lowered_stmt(path, args, Halide::StmtOutputFormat::Text, host());
  std::ifstream f(path);
  std::string stmt((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::string vec = std::to_string(codegen::natural_vector_width(host()));
  EXPECT_NE(stmt.find("parallel"), std::string::npos) << k.schedule;
  EXPECT_NE(stmt.find(", 1, " + vec + ")"), std::string::npos) << k.schedule;
}

// --- phases, the shape rule, cost, initial weights -------------------------------

// Every tap the phase decomposition lists reaches its phase, and every tap
// reaching a phase is listed exactly once.
TEST(ConvTransposeGeometry, PhaseTapsPartitionTheKernel) {
  for (int64_t k = 1; k <= 5; k++)
    for (int64_t s = 1; s <= 4; s++)
      for (int64_t d = 1; d <= 3; d++) {
        std::vector<int> seen(k, 0);
        for (int64_t phase = 0; phase < s; phase++) {
          ir::PhaseTaps t = ir::phase_taps(phase, k, s, d);
          for (int64_t j = 0; j < t.count; j++) {
            int64_t tap = t.first + j * t.step;
            ASSERT_LT(tap, k);
            seen[tap]++;
            // u = s * q + phase reads input q + offset - j * input_step.
            for (int64_t q = 0; q < 3; q++) {
              int64_t u = s * q + phase;
              EXPECT_EQ((u - tap * d) % s, 0);
              EXPECT_EQ((u - tap * d) / s, q + t.offset - j * t.input_step);
            }
          }
        }
        for (int64_t tap = 0; tap < k; tap++)
          EXPECT_EQ(seen[tap], 1) << "k " << k << " s " << s << " d " << d << " tap " << tap;
      }
}

std::string add_error(const ir::Shape &x, const ir::Shape &w, const ir::Attrs &attrs) {
  ir::Graph g;
  int in = g.add_input("x", {ir::DType::F32, x});
  int wt = g.add_param("w", {ir::DType::F32, w}, std::vector<float>(ir::numel(w)));
  int b = g.add_param("b", {ir::DType::F32, {attrs.get_int("filters")}},
                      std::vector<float>(attrs.get_int("filters")));
  try {
    g.add_node("conv_transpose2d", "up", {in, wt, b}, attrs);
  } catch (const UserError &e) {
    return e.what();
  }
  return "";
}

TEST(ConvTransposeShapeRule, OutputSizeFollowsPyTorch) {
  ir::Graph g;
  int in = g.add_input("x", {ir::DType::F32, {2, 4, 5, 7}});
  int w = g.add_param("w", {ir::DType::F32, {4, 3, 3, 3}}, std::vector<float>(108));
  int b = g.add_param("b", {ir::DType::F32, {6}}, std::vector<float>(6));
  Case c = ct("", {}, 6, {3, 3},
              {{"stride", ints{2, 2}},
               {"padding", ints{1, 1, 1, 1}},
               {"output_padding", ints{1, 1}},
               {"groups", int64_t{2}}});
  int node = g.add_node("conv_transpose2d", "up", {in, w, b}, c.attrs);
  // (5 - 1) * 2 - 2 + 2 + 1 + 1 = 10, (7 - 1) * 2 - 2 + 2 + 1 + 1 = 14
  EXPECT_EQ(g.value(g.node(node).outputs[0]).type.shape, (ir::Shape{2, 6, 10, 14}));
}

TEST(ConvTransposeShapeRule, ErrorsNameTheShapes) {
  ir::Attrs a = ct("", {}, 6, {3, 3}, {{"stride", ints{2, 2}}}).attrs;
  std::string e = add_error({1, 4, 5, 5}, {4, 6, 3, 2}, a);
  EXPECT_NE(e.find("the weight must have shape 4x6x3x3"), std::string::npos) << e;
  EXPECT_NE(e.find("for the input 1x4x5x5, got 4x6x3x2"), std::string::npos) << e;

  a.set("output_padding", ints{2, 1});
  e = add_error({1, 4, 5, 5}, {4, 6, 3, 3}, a);
  EXPECT_NE(e.find("output_padding (2, 1) must be smaller than the stride (2, 2) or the "
                   "dilation (1, 1)"),
            std::string::npos)
      << e;

  a = ct("", {}, 6, {3, 3}, {{"padding", std::string("same")}}).attrs;
  e = add_error({1, 4, 5, 5}, {4, 6, 3, 3}, a);
  EXPECT_NE(e.find("\"same\" is not supported by conv_transpose2d"), std::string::npos) << e;

  a = ct("", {}, 6, {1, 1}, {{"padding", ints{1, 0, 0, 0}}}).attrs;
  e = add_error({1, 4, 1, 3}, {4, 6, 1, 1}, a);
  EXPECT_NE(e.find("the output would be 0x3"), std::string::npos) << e;

  a = ct("", {}, 6, {3, 3}, {{"groups", int64_t{4}}}).attrs;
  e = add_error({1, 6, 5, 5}, {6, 1, 3, 3}, a);
  EXPECT_NE(e.find("groups (4) must divide the input channels (6 of input 1x6x5x5)"),
            std::string::npos)
      << e;
}

TEST(ConvTransposeShapeRule, CostAndInitialWeights) {
  const ir::OpDef &def = ir::get_op("conv_transpose2d");
  ir::Attrs a = ir::normalize_attrs(
      def, ct("", {}, 6, {3, 3}, {{"stride", ints{2, 2}}, {"groups", int64_t{2}}}).attrs, "t");
  ir::TensorType x{ir::DType::F32, {2, 4, 5, 7}};
  std::vector<ir::ParamSpec> p = def.params(a, x);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].shape, (ir::Shape{4, 3, 3, 3}));
  EXPECT_EQ(p[0].fan_in, 3 * 9);   // filters / groups * kh * kw
  EXPECT_EQ(p[0].fan_out, 2 * 9);  // in_channels / groups * kh * kw
  EXPECT_EQ(p[1].shape, (ir::Shape{6}));
  std::vector<ir::TensorType> in = {x, {ir::DType::F32, p[0].shape}, {ir::DType::F32, p[1].shape}};
  std::vector<ir::TensorType> out = def.infer(a, in);
  ir::Cost cost = def.cost(a, in, out);
  EXPECT_EQ(cost.macs,
            2 * 4 * 5 * 7 * 3 * 9);  // each input pixel meets its group's 3 filters' 9 taps
  EXPECT_EQ(cost.flops, 2 * cost.macs + out[0].numel());
}

// --- the JSON spec ------------------------------------------------------------------

TEST(ConvTransposeSpec, LayerWithActivationAndOutputPadding) {
  ir::Graph g = frontend::parse_json_spec(R"({
    "name": "up", "input": {"name": "x", "shape": [1, 8, 4, 4]},
    "layers": [{"type": "conv_transpose2d", "name": "up1", "filters": 4, "kernel": 3,
                "stride": 2, "padding": 1, "output_padding": [1, 1], "activation": "relu"}]})",
                                          "up.json", ".");
  int up = g.find_node("up1");
  ASSERT_GE(up, 0);
  EXPECT_EQ(g.value(g.node(up).outputs[0]).type.shape, (ir::Shape{1, 4, 8, 8}));
  EXPECT_EQ(g.value(g.find_value("up1.weight")).type.shape, (ir::Shape{8, 4, 3, 3}));
  EXPECT_GE(g.find_node("up1.relu"), 0);
  try {
    frontend::parse_json_spec(R"({"name": "up", "input": {"name": "x", "shape": [1, 8, 4, 4]},
      "layers": [{"type": "conv_transpose2d", "filters": 4, "kernel": 3, "stride": 2,
                  "output_padding": [2, 2]}]})",
                              "up.json", ".");
    ADD_FAILURE() << "expected a UserError";
  } catch (const UserError &e) {
    EXPECT_NE(std::string(e.what()).find("up.json: layers[0] (conv_transpose2d"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("output_padding (2, 2) must be smaller"),
              std::string::npos)
        << e.what();
  }
}

// examples/encoder_decoder.json at batch 8 (tests/end_to_end_test.cpp runs
// it as written, at batch 1): a library at -O2, where the decoder's relu and
// sigmoid are fused into the transposed convolutions.
TEST(ConvTransposeExample, EncoderDecoderAtBatch8) {
  testing::expect_example_matches_reference("examples/encoder_decoder.json", 0, 8);
}

// --- timing -----------------------------------------------------------------------

double best_seconds(const std::function<void()> &f, int reps) {
  double best = 1e30;
  for (int r = 0; r < reps; r++) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

// The decoder layer of a DCGAN-like upsampler: 64 -> 32 channels, 4x4 stride
// 2 padding 1, 32x32 -> 64x64. Run with
//   conv_transpose_test --gtest_also_run_disabled_tests --gtest_filter='*Bench*'
TEST(ConvTransposeBench, DISABLED_Dcgan64to32) {
  Case c = ct("bench", {1, 64, 32, 32}, 32, {4, 4},
              {{"stride", ints{2, 2}}, {"padding", ints{1, 1, 1, 1}}});
  testing::OneNode g = testing::one_node("conv_transpose2d", {c.x}, c.attrs, 1);
  LowerRequest req = testing::lower_request(g, host());
  LoweredKernel k = codegen::lower_node(req);
  k.pipeline.compile_jit(host());
  std::vector<reference::Tensor> in = g.inputs;
  for (size_t i = 0; i < in.size(); i++)
    k.params[i].set(testing::view_buffer(in[i].data.data(), k.input_views[i]));
  reference::Tensor out(req.outputs[0].shape);
  Halide::Buffer<float> ob = testing::view_buffer(out.data.data(), k.output_views[0]);
  const ir::OpDef &def = ir::get_op("conv_transpose2d");
  std::vector<ir::TensorType> outs = {{ir::DType::F32, out.shape}};
  double flops = def.cost(g.n().attrs, req.inputs, outs).flops;
  double compiled = best_seconds([&] { k.pipeline.realize(ob, host()); }, 20);
  std::vector<const reference::Tensor *> ptrs;
  for (const auto &t : in) ptrs.push_back(&t);
  double ref = best_seconds([&] { reference::run_node(g.n(), ptrs); }, 2);
  printf("%s\n  compiled %.3f ms (%.1f GFLOP/s), reference %.1f ms (target %s)\n",
         k.schedule.c_str(), compiled * 1e3, flops / compiled * 1e-9, ref * 1e3,
         host().to_string().c_str());
}

}  // namespace
}  // namespace kiln
