// fuse-depthwise-pointwise and the conv2d_dw_pw kernel: where the pass fires
// and where it must not; the fused node's reference against the two convs it
// replaced; the Halide kernel against the reference on awkward shapes and
// schedules; and a small MobileNet-like library compiled with and without
// the fusion.
//
// Tolerances: the fused reference runs conv2d's own reference twice, so it
// equals the graph after fuse-epilogue exactly (checked at 0). The kernel sums in float
// in another order than the reference's double: |got - want| <= 1e-4 *
// (1 + |want|) per node; the whole library, 1e-4 as well.
#include "passes/fuse_depthwise_pointwise.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "codegen/compile_library.h"
#include "codegen/kernel_compiler.h"
#include "codegen/loaded_library.h"
#include "codegen/ops/conv_dw_pw.h"
#include "frontend/json/json_spec.h"
#include "ir/errors.h"
#include "ir/printer.h"
#include "passes/fuse_epilogue.h"
#include "passes/pass_manager.h"
#include "tests/codegen_test_util.h"
#include "tests/graph_builder.h"
#include "tests/test_util.h"

namespace kiln {
namespace {

using testing::GraphBuilder;

struct PairSpec {
  ir::Shape x = {1, 5, 9, 11};
  int64_t filters = 7;
  ir::AttrValue dw_stride = std::vector<int64_t>{1, 1};
  ir::AttrValue dw_padding = std::string("same");
  std::string padding_mode = "zeros";
  bool dw_bias = true, pw_bias = true;
  std::string dw_act = "relu6", pw_act = "relu";
  bool residual = false;
  int64_t pw_stride = 1;
  int64_t dw_groups = -1;  // -1: the channels
};

ir::Attrs conv_attrs(int64_t filters, int64_t k, const ir::AttrValue &stride,
                     const ir::AttrValue &padding, int64_t groups, bool bias) {
  ir::Attrs a;
  a.set("filters", filters);
  a.set("kernel", std::vector<int64_t>{k, k});
  a.set("stride", stride);
  a.set("padding", padding);
  a.set("groups", groups);
  a.set("use_bias", int64_t{bias});
  return a;
}

// x -> depthwise 3x3 (bias) -> act -> 1x1 conv (bias) [-> act] [+ residual]:
// the value ids of the depthwise output and of the graph output.
struct Pair {
  GraphBuilder b{"pair"};
  int dw_out = -1, out = -1;
};

void build_pair(Pair &p, const PairSpec &s) {
  GraphBuilder &b = p.b;
  const int64_t c = s.x[1], groups = s.dw_groups < 0 ? c : s.dw_groups;
  int x = b.input("x", s.x);
  ir::Attrs dwa = conv_attrs(c, 3, s.dw_stride, s.dw_padding, groups, s.dw_bias);
  dwa.set("padding_mode", s.padding_mode);
  std::vector<int> dw_in = {x, b.param("dw.weight", {c, c / groups, 3, 3})};
  if (s.dw_bias) dw_in.push_back(b.param("dw.bias", {c}));
  int v = b.node("conv2d", "dw", dw_in, dwa);
  p.dw_out = v;
  if (s.dw_act == "leaky_relu") {
    ir::Attrs a;
    a.set("alpha", 0.3);
    v = b.node("leaky_relu", "dw_act", {v}, a);
  } else if (s.dw_act != "none") {
    v = b.node(s.dw_act, "dw_act", {v});
  }
  std::vector<int> pw_in = {v, b.param("pw.weight", {s.filters, c, 1, 1})};
  if (s.pw_bias) pw_in.push_back(b.param("pw.bias", {s.filters}));
  int y = b.node("conv2d", "pw", pw_in,
                 conv_attrs(s.filters, 1, std::vector<int64_t>{s.pw_stride, s.pw_stride},
                            std::string("valid"), 1, s.pw_bias));
  if (s.pw_act != "none") y = b.node(s.pw_act, "pw_act", {y});
  if (s.residual) y = b.node("add", "res", {y, b.input("r", b.g.value(y).type.shape)});
  p.out = y;
  b.output(y);
}

int count_op(const ir::Graph &g, const std::string &op) {
  return static_cast<int>(
      std::count_if(g.nodes.begin(), g.nodes.end(), [&](const ir::Node &n) { return n.op == op; }));
}

ir::Graph fuse_all(const ir::Graph &g) {
  return passes::fuse_depthwise_pointwise_all(passes::fuse_epilogue(g));
}

// --- the pass ---------------------------------------------------------------

TEST(FuseDepthwisePointwise, FusesThePairWithItsEpilogues) {
  Pair p;
  build_pair(p, {});
  ir::Graph epi = passes::fuse_epilogue(p.b.g);
  ir::Graph fused = passes::fuse_depthwise_pointwise_all(epi);
  EXPECT_EQ(ir::print_graph(fused),
            "graph pair {\n"
            "  input x: f32[1x5x9x11]\n"
            "  param dw.weight: f32[5x1x3x3]\n"
            "  param dw.bias: f32[5]\n"
            "  param pw.weight: f32[7x5x1x1]\n"
            "  param pw.bias: f32[7]\n"
            "  pw_act = conv2d_dw_pw(x, dw.weight, dw.bias, pw.weight, pw.bias) "
            "{dw_activation=\"relu6\", dw_dilation=[1,1], dw_kernel=[3,3], dw_padding=\"same\", "
            "dw_padding_mode=\"zeros\", dw_stride=[1,1], pw_activation=\"relu\", pw_filters=7} "
            ": f32[1x7x9x11]\n"
            "  output pw_act\n"
            "}\n");
  // conv2d's own reference, twice: exactly the unfused numbers.
  testing::expect_same_numbers(epi, fused, 0.0);
}

TEST(FuseDepthwisePointwise, AddsZeroBiasesAndTakesTheResidual) {
  PairSpec s;
  s.dw_bias = s.pw_bias = false;
  s.dw_act = "leaky_relu";
  s.residual = true;
  Pair p;
  build_pair(p, s);
  ir::Graph epi = passes::fuse_epilogue(p.b.g);
  ir::Graph fused = passes::fuse_depthwise_pointwise_all(epi);
  ASSERT_EQ(fused.nodes.size(), 1u);
  const ir::Node &n = fused.nodes[0];
  EXPECT_EQ(n.op, "conv2d_dw_pw");
  ASSERT_EQ(n.inputs.size(), 6u);
  EXPECT_EQ(fused.value(n.inputs[5]).name, "r");
  EXPECT_EQ(n.attrs.get_int("pw_has_residual"), 1);
  EXPECT_DOUBLE_EQ(n.attrs.get_float("dw_activation_alpha"), 0.3);
  testing::expect_same_numbers(epi, fused, 0.0);
}

TEST(FuseDepthwisePointwise, LeavesADepthwiseOutputWithAnotherReader) {
  Pair p;
  build_pair(p, {});
  p.b.output(p.b.node("relu", "other", {p.b.g.find_value("dw_act")}));
  ir::Graph out = fuse_all(p.b.g);
  EXPECT_EQ(count_op(out, "conv2d_dw_pw"), 0);
  EXPECT_EQ(count_op(out, "conv2d"), 2);
}

TEST(FuseDepthwisePointwise, LeavesADepthwiseOutputThatIsAGraphOutput) {
  Pair p;
  build_pair(p, {});
  p.b.output(p.b.g.find_value("dw_act"));
  EXPECT_EQ(count_op(fuse_all(p.b.g), "conv2d_dw_pw"), 0);
}

TEST(FuseDepthwisePointwise, LeavesAStrideTwoPointwiseConv) {
  PairSpec s;
  s.pw_stride = 2;
  Pair p;
  build_pair(p, s);
  EXPECT_EQ(count_op(fuse_all(p.b.g), "conv2d_dw_pw"), 0);
}

TEST(FuseDepthwisePointwise, LeavesGroupsOtherThanTheChannels) {
  for (int64_t groups : {1, 2}) {
    PairSpec s;
    s.x = {1, 6, 8, 8};
    s.dw_groups = groups;
    Pair p;
    build_pair(p, s);
    EXPECT_EQ(count_op(fuse_all(p.b.g), "conv2d_dw_pw"), 0) << "groups " << groups;
  }
}

TEST(FuseDepthwisePointwise, FusesAStrideTwoDepthwiseConv) {
  PairSpec s;
  s.dw_stride = std::vector<int64_t>{2, 2};
  Pair p;
  build_pair(p, s);
  ir::Graph epi = passes::fuse_epilogue(p.b.g);
  ir::Graph fused = passes::fuse_depthwise_pointwise_all(epi);
  EXPECT_EQ(count_op(fused, "conv2d_dw_pw"), 1);
  testing::expect_same_numbers(epi, fused, 0.0);
}

// The default pass fuses only where it measured faster: 32 channels or
// fewer, depthwise stride 1.
TEST(FuseDepthwisePointwise, DefaultPassIsGatedByShape) {
  struct Gate {
    int64_t channels, stride;
    bool fuses;
  };
  for (const Gate &c : {Gate{32, 1, true}, Gate{5, 1, true}, Gate{33, 1, false}, Gate{64, 1, false},
                        Gate{16, 2, false}}) {
    PairSpec s;
    s.x = {1, c.channels, 8, 8};
    s.dw_stride = std::vector<int64_t>{c.stride, c.stride};
    Pair p;
    build_pair(p, s);
    ir::Graph out = passes::fuse_depthwise_pointwise(passes::fuse_epilogue(p.b.g));
    EXPECT_EQ(count_op(out, "conv2d_dw_pw"), c.fuses ? 1 : 0)
        << c.channels << " channels, stride " << c.stride;
  }
}

// An algorithm set in the model, or forced by --conv-algo, is kept.
TEST(FuseDepthwisePointwise, LeavesConvsWhoseAlgorithmIsChosen) {
  Pair p;
  build_pair(p, {});
  p.b.g.nodes[p.b.g.find_node("pw")].attrs.set("algorithm", std::string("im2col"));
  EXPECT_EQ(count_op(fuse_all(p.b.g), "conv2d_dw_pw"), 0);

  Pair q;
  build_pair(q, {});
  passes::PassOptions o;
  o.passes = passes::passes_for_level(2);
  EXPECT_EQ(count_op(passes::run_passes(q.b.g, o), "conv2d_dw_pw"), 1);
  o.conv_algo.mode = "direct";
  EXPECT_EQ(count_op(passes::run_passes(q.b.g, o), "conv2d_dw_pw"), 0);
}

TEST(FuseDepthwisePointwise, RunsAfterTheEpilogueFusionsAtO2Only) {
  auto o2 = passes::passes_for_level(2), o1 = passes::passes_for_level(1);
  auto at = [&](const std::string &n) { return std::find(o2.begin(), o2.end(), n); };
  ASSERT_NE(at("fuse-depthwise-pointwise"), o2.end());
  EXPECT_LT(at("fuse-epilogue"), at("fuse-depthwise-pointwise"));
  EXPECT_LT(at("fuse-elementwise"), at("fuse-depthwise-pointwise"));
  EXPECT_LT(at("fuse-depthwise-pointwise"), at("select-algorithm"));
  EXPECT_EQ(std::find(o1.begin(), o1.end(), "fuse-depthwise-pointwise"), o1.end());
}

TEST(FuseDepthwisePointwise, JsonSpecRejectsTheFusedOp) {
  std::string spec = R"({"name": "m", "input": {"name": "x", "shape": [1, 2, 4, 4]},
    "layers": [{"type": "conv2d_dw_pw", "pw_filters": 2, "dw_kernel": 3}]})";
  EXPECT_THROW(frontend::parse_json_spec(spec, "m.json", "."), UserError);
}

// --- the kernel -------------------------------------------------------------

const Halide::Target &jit_host() {
  static const Halide::Target t = Halide::get_jit_target_from_environment();
  return t;
}

struct KernelCase {
  std::string name;
  PairSpec spec;
};

void PrintTo(const KernelCase &c, std::ostream *os) { *os << c.name; }

// Lowers the fused node of `c` with `schedule` (the default when null), runs
// it, and compares with the reference of the unfused graph.
void check_kernel(const KernelCase &c, const codegen::schedules::DwPwSchedule *schedule) {
  Pair p;
  build_pair(p, c.spec);
  ir::Graph fused = fuse_all(p.b.g);
  ASSERT_EQ(fused.nodes.size(), 1u);
  const ir::Node &n = fused.nodes[0];
  ASSERT_EQ(n.op, "conv2d_dw_pw");
  std::vector<reference::Tensor> graph_inputs = testing::random_inputs(fused);
  std::vector<reference::Tensor> want = reference::run_graph(p.b.g, graph_inputs);
  std::vector<reference::Tensor> in;
  for (int v : n.inputs) {
    const ir::Value &val = fused.value(v);
    if (val.kind == ir::ValueKind::Param) {
      in.emplace_back(val.type.shape, *val.data);
    } else {
      auto it = std::find(fused.inputs.begin(), fused.inputs.end(), v);
      in.push_back(graph_inputs[it - fused.inputs.begin()]);
    }
  }
  codegen::LowerRequest req{n, fused.input_types(n), {fused.value(n.outputs[0]).type}, jit_host()};
  try {
    codegen::LoweredKernel k =
        schedule ? codegen::ops::lower_conv2d_dw_pw_with(req, *schedule) : codegen::lower_node(req);
    std::vector<reference::Tensor> got = testing::run_lowered(k, in, {want[0].shape}, jit_host());
    EXPECT_EQ(testing::compare(got[0], want[0], 1e-4), "") << c.name << ": " << k.schedule;
  } catch (const Halide::Error &e) {
    FAIL() << c.name << ": Halide error: " << e.what();
  }
}

PairSpec spec(ir::Shape x, int64_t filters, int64_t stride, ir::AttrValue padding,
              std::string dw_act, std::string pw_act) {
  PairSpec s;
  s.x = std::move(x);
  s.filters = filters;
  s.dw_stride = std::vector<int64_t>{stride, stride};
  s.dw_padding = std::move(padding);
  s.dw_act = std::move(dw_act);
  s.pw_act = std::move(pw_act);
  return s;
}

std::vector<KernelCase> kernel_cases() {
  const ir::AttrValue same = std::string("same"), valid = std::string("valid");
  std::vector<KernelCase> cases = {
      {"odd_same", spec({1, 5, 13, 11}, 7, 1, same, "relu6", "relu6")},
      {"odd_valid", spec({1, 3, 9, 17}, 10, 1, valid, "none", "none")},
      {"stride2_same", spec({1, 12, 15, 14}, 20, 2, same, "relu", "relu6")},
      {"stride2_explicit_pad",
       spec({1, 9, 10, 13}, 6, 2, std::vector<int64_t>{1, 0, 2, 1}, "relu6", "none")},
      {"batch2_c12", spec({2, 12, 11, 9}, 17, 1, same, "relu6", "relu")},
      {"wide_c40", spec({1, 40, 30, 37}, 36, 1, same, "relu6", "relu6")},
      {"narrow_7x7", spec({1, 24, 7, 7}, 40, 1, same, "relu6", "relu6")},
      {"one_pixel_row", spec({2, 4, 3, 1}, 3, 1, same, "none", "relu")},
  };
  PairSpec reflect = spec({1, 6, 8, 10}, 5, 1, same, "relu", "none");
  reflect.padding_mode = "reflect";
  cases.push_back({"reflect", reflect});
  PairSpec res = spec({2, 8, 10, 6}, 8, 1, same, "leaky_relu", "relu");
  res.residual = true;
  cases.push_back({"residual_leaky", res});
  PairSpec nobias = spec({1, 5, 6, 6}, 9, 2, same, "relu6", "relu6");
  nobias.dw_bias = nobias.pw_bias = false;
  cases.push_back({"no_biases", nobias});
  return cases;
}

class DwPwKernel : public ::testing::TestWithParam<KernelCase> {};

TEST_P(DwPwKernel, DefaultScheduleMatchesReference) { check_kernel(GetParam(), nullptr); }

// Bands and channel chunks that do not divide the image (ShiftInwards tails)
// and start inside rows,
// a serial run, scalar vectors.
TEST_P(DwPwKernel, ScheduleVariantsMatchReference) {
  codegen::schedules::DwPwSchedule s;
  s.band_pixels = 20;
  s.f_chunk = 8;
  s.co_block = 3;
  s.pw_vector_width = 4;
  s.pw_x_vectors = 2;
  s.dw_vector_width = 4;
  check_kernel(GetParam(), &s);
  s.band_pixels = 5;
  s.f_chunk = 1000;
  s.co_block = 5;
  s.pw_vector_width = 1;
  s.dw_vector_width = 1;
  s.parallel = false;
  s.channels_inner = false;
  check_kernel(GetParam(), &s);
}

INSTANTIATE_TEST_SUITE_P(Cases, DwPwKernel, ::testing::ValuesIn(kernel_cases()),
                         [](const auto &info) { return info.param.name; });

// --- a whole model --------------------------------------------------------

// MobileNet v1's first blocks at 32x32, batch 2, with batch norms.
const char *kTinyMobileNet = R"({"name": "tiny_mobilenet",
  "input": {"name": "x", "shape": [2, 3, 32, 32]},
  "weights": {"init": "he", "seed": 3},
  "layers": [
  {"type": "conv2d", "name": "conv1", "filters": 8, "kernel": 3, "stride": 2, "padding": "same", "use_bias": false},
  {"type": "batch_norm", "name": "conv1_bn", "epsilon": 0.001},
  {"type": "relu6"},
  {"type": "conv2d", "name": "dw1", "filters": 8, "kernel": 3, "padding": "same", "use_bias": false, "groups": 8},
  {"type": "batch_norm", "name": "dw1_bn", "epsilon": 0.001},
  {"type": "relu6"},
  {"type": "conv2d", "name": "pw1", "filters": 16, "kernel": 1, "use_bias": false},
  {"type": "batch_norm", "name": "pw1_bn", "epsilon": 0.001},
  {"type": "relu6"},
  {"type": "conv2d", "name": "dw2", "filters": 16, "kernel": 3, "stride": 2, "padding": "same", "use_bias": false, "groups": 16},
  {"type": "batch_norm", "name": "dw2_bn", "epsilon": 0.001},
  {"type": "relu6"},
  {"type": "conv2d", "name": "pw2", "filters": 24, "kernel": 1, "use_bias": false},
  {"type": "batch_norm", "name": "pw2_bn", "epsilon": 0.001},
  {"type": "relu6"},
  {"type": "conv2d", "name": "dw3", "filters": 24, "kernel": 3, "padding": "same", "use_bias": false, "groups": 24},
  {"type": "batch_norm", "name": "dw3_bn", "epsilon": 0.001},
  {"type": "relu6"},
  {"type": "conv2d", "name": "pw3", "filters": 20, "kernel": 1, "use_bias": false},
  {"type": "batch_norm", "name": "pw3_bn", "epsilon": 0.001},
  {"type": "relu6"},
  {"type": "global_avg_pool"},
  {"type": "flatten"},
  {"type": "dense", "name": "fc", "units": 10}
  ]})";

std::vector<float> run_library(const ir::Graph &g, const std::string &dir,
                               const std::vector<float> &x) {
  codegen::CompileOptions options;
  options.out_dir = dir;
  options.cache_dir = codegen::default_cache_dir();
  codegen::CompileReport report = codegen::compile_library(g, options);
  codegen::LoadedLibrary lib(report.shared_library, report.name);
  codegen::LoadedLibrary::Instance instance(lib);
  std::vector<float> y(lib.outputs()[0].size);
  instance.run({x.data()}, {y.data()});
  return y;
}

TEST(FuseDepthwisePointwise, TinyMobileNetSameOutputsWithAndWithoutThePass) {
  ir::Graph g = frontend::parse_json_spec(kTinyMobileNet, "tiny.json", ".");
  passes::PassOptions without, with;
  without.passes = passes::passes_for_level(2);
  without.passes.erase(
      std::remove(without.passes.begin(), without.passes.end(), "fuse-depthwise-pointwise"),
      without.passes.end());
  with.passes = without.passes;
  with.passes.insert(std::find(with.passes.begin(), with.passes.end(), "eliminate-concat"),
                     "fuse-depthwise-pointwise-all");
  ir::Graph plain = passes::run_passes(g, without), fused = passes::run_passes(g, with);
  EXPECT_EQ(count_op(fused, "conv2d_dw_pw"), 3);
  EXPECT_EQ(count_op(plain, "conv2d_dw_pw"), 0);

  testing::TempDir dir;
  std::vector<float> x = testing::random_floats(2 * 3 * 32 * 32, 5);
  std::vector<float> a = run_library(plain, dir / "plain", x);
  std::vector<float> b = run_library(fused, dir / "fused", x);
  reference::Tensor xt({2, 3, 32, 32}, x);
  std::vector<float> want = reference::run_graph(g, {xt})[0].data;
  ASSERT_EQ(a.size(), want.size());
  ASSERT_EQ(b.size(), want.size());
  for (size_t i = 0; i < want.size(); i++) {
    EXPECT_NEAR(b[i], a[i], 1e-4 * (1 + std::fabs(a[i]))) << i;
    EXPECT_NEAR(b[i], want[i], 1e-4 * (1 + std::fabs(want[i]))) << i;
  }
}

}  // namespace
}  // namespace kiln
