// lrn, scale_channels and the broadcasting binary ops (add, sub, mul, div):
// shape rules and their errors, the reference against hand-computed values
// and independent formulas, the compiled kernels against the reference, and
// a squeeze-excitation block with LRN compiled into a library.
//
// Tolerances:
//   reference vs hand values: exact to float rounding (1e-7 relative);
//   reference vs the independent formulas here (long double): 1e-6 relative
//     (the reference rounds its output to float);
//   compiled vs reference: |got - want| <= 1e-5 (1 + |want|) (lrn's power
//     and the float sum of squares; 1e-6 would do for the binary ops);
//   the compiled library vs reference: 1e-4 (1 + |want|) (conv and dense
//     accumulate in float).
#include <gtest/gtest.h>

#include <cmath>

#include "codegen/ops/broadcast_view.h"
#include "frontend/json/json_spec.h"
#include "ir/errors.h"
#include "ir/ops/broadcast.h"
#include "ir/ops/lrn.h"
#include "passes/pass_manager.h"
#include "reference/interpreter.h"
#include "tests/codegen_test_util.h"
#include "tests/library_test_util.h"
#include "tests/test_util.h"

namespace kiln {
namespace {

using LD = long double;
using reference::Tensor;

const Halide::Target &host() {
  static const Halide::Target t = Halide::get_jit_target_from_environment();
  return t;
}

ir::Attrs attrs(std::initializer_list<std::pair<const char *, ir::AttrValue>> kv) {
  ir::Attrs a;
  for (const auto &[k, v] : kv) a.set(k, v);
  return a;
}

// Runs one node of `op` on the reference.
Tensor run_ref(const std::string &op, const ir::Attrs &a, const std::vector<Tensor> &inputs) {
  ir::Graph g;
  std::vector<int> ids;
  for (size_t k = 0; k < inputs.size(); k++)
    ids.push_back(g.add_input("x" + std::to_string(k), {ir::DType::F32, inputs[k].shape}));
  g.mark_output(g.nodes[g.add_node(op, "n", ids, a)].outputs[0]);
  return reference::run_graph(g, inputs)[0];
}

std::string shape_error(const std::string &op, const std::vector<ir::Shape> &shapes,
                        const ir::Attrs &a = {}) {
  ir::Graph g;
  std::vector<int> ids;
  for (size_t k = 0; k < shapes.size(); k++)
    ids.push_back(g.add_input("x" + std::to_string(k), {ir::DType::F32, shapes[k]}));
  try {
    g.add_node(op, "n", ids, a);
  } catch (const UserError &e) {
    return e.what();
  }
  return "";
}

void expect_rel(const Tensor &got, const std::vector<LD> &want, double rel) {
  ASSERT_EQ(static_cast<size_t>(got.numel()), want.size());
  for (size_t i = 0; i < want.size(); i++)
    EXPECT_LE(std::fabs(got.data[i] - want[i]), rel * std::fabs(want[i]) + 1e-30L)
        << "element " << i << ": " << got.data[i] << " vs " << static_cast<double>(want[i]);
}

// Lowers and runs the one-node graph; compares with the reference.
void expect_compiled_matches(testing::OneNode &g, double tol, const std::string &name) {
  try {
    codegen::LowerRequest req = testing::lower_request(g, host());
    codegen::LoweredKernel k = codegen::lower_node(req);
    EXPECT_FALSE(k.schedule.empty());
    auto got = testing::run_lowered(k, g.inputs, {req.outputs[0].shape}, host());
    std::vector<const Tensor *> in;
    for (const auto &t : g.inputs) in.push_back(&t);
    auto want = reference::run_node(g.n(), in);
    std::string diff = testing::compare(got[0], want[0], tol);
    EXPECT_TRUE(diff.empty()) << name << " (" << k.schedule << "): " << diff;
  } catch (const Halide::Error &e) {
    FAIL() << name << ": Halide error: " << e.what();
  }
}

// ------------------------------------------------------------------ lrn

TEST(Lrn, WindowFollowsOnnx) {
  EXPECT_EQ(ir::ops::lrn_window(5).before, 2);
  EXPECT_EQ(ir::ops::lrn_window(5).after, 2);
  EXPECT_EQ(ir::ops::lrn_window(4).before, 1);  // PyTorch would take 2 before, 1 after
  EXPECT_EQ(ir::ops::lrn_window(4).after, 2);
  EXPECT_EQ(ir::ops::lrn_window(1).before, 0);
  EXPECT_EQ(ir::ops::lrn_window(1).after, 0);
}

// x = 1, 2, 3 in three channels, alpha / size = 1, beta = 1, bias = 1:
// y_c = x_c / (1 + sum of x^2 over the window).
TEST(Lrn, HandComputedValues) {
  Tensor x({1, 3, 1, 1}, {1, 2, 3});
  // size 3: windows {0,1}, {0,1,2}, {1,2}.
  expect_rel(run_ref("lrn", attrs({{"size", int64_t{3}}, {"alpha", 3.0}, {"beta", 1.0}}), {x}),
             {1.0L / 6, 2.0L / 15, 3.0L / 14}, 1e-7);
  // size 2 (ONNX: 0 before, 1 after): windows {0,1}, {1,2}, {2}.
  expect_rel(run_ref("lrn", attrs({{"size", int64_t{2}}, {"alpha", 2.0}, {"beta", 1.0}}), {x}),
             {1.0L / 6, 2.0L / 14, 3.0L / 10}, 1e-7);
  // beta 0.75, bias 2, alpha 1e-4, size 5 (AlexNet's k, n, beta; alpha per the ONNX convention).
  LD s = 1 + 4 + 9;
  expect_rel(run_ref("lrn", attrs({{"size", int64_t{5}}, {"bias", 2.0}}), {x}),
             {1 / std::pow(2 + 1e-4L / 5 * s, 0.75L), 2 / std::pow(2 + 1e-4L / 5 * s, 0.75L),
              3 / std::pow(2 + 1e-4L / 5 * s, 0.75L)},
             1e-7);
}

// PyTorch's local_response_norm for odd sizes: pad the squares with size/2
// zero channels before and (size-1)/2 after, average `size` of them,
// y = x / (k + alpha * average)^beta.
std::vector<LD> torch_style_lrn(const Tensor &x, int64_t size, LD alpha, LD beta, LD k) {
  const int64_t n = x.shape[0], c = x.shape[1], inner = x.numel() / (n * c);
  std::vector<LD> out(x.numel());
  for (int64_t b = 0; b < n; b++)
    for (int64_t ch = 0; ch < c; ch++)
      for (int64_t i = 0; i < inner; i++) {
        LD avg = 0;
        for (int64_t t = 0; t < size; t++) {
          int64_t src = ch - size / 2 + t;  // padded index - pad_before
          if (src >= 0 && src < c) {
            LD v = x.data[(b * c + src) * inner + i];
            avg += v * v;
          }
        }
        avg /= size;
        const int64_t at = (b * c + ch) * inner + i;
        out[at] = x.data[at] / std::pow(k + alpha * avg, beta);
      }
  return out;
}

TEST(Lrn, ReferenceMatchesPyTorchFormulaForOddSizes) {
  Tensor x = testing::random_tensor({2, 7, 3, 4}, 5, -4.0f, 4.0f);
  for (int64_t size : {1, 3, 5, 7, 9}) {
    SCOPED_TRACE("size " + std::to_string(size));
    ir::Attrs a = attrs({{"size", size}, {"alpha", 0.3}, {"beta", 0.6}, {"bias", 1.5}});
    expect_rel(run_ref("lrn", a, {x}), torch_style_lrn(x, size, 0.3L, 0.6L, 1.5L), 1e-6);
  }
}

TEST(Lrn, ShapeAndAttributeErrors) {
  EXPECT_EQ(shape_error("lrn", {{5}}, attrs({{"size", int64_t{3}}})),
            "node 'n' (lrn): x must have rank 2 or more (channels on axis 1), got 5");
  EXPECT_EQ(shape_error("lrn", {{1, 5}}, attrs({{"size", int64_t{0}}})),
            "node 'n' (lrn): size must be at least 1, got 0");
  EXPECT_EQ(shape_error("lrn", {{1, 5}}, attrs({{"size", int64_t{3}}, {"bias", 0.0}})),
            "node 'n' (lrn): bias must be positive, got 0");
  EXPECT_EQ(shape_error("lrn", {{1, 5}}), "node 'n': lrn needs attribute 'size'");
}

struct LrnCase {
  std::string name;
  ir::Shape x;
  ir::Attrs a;
  float range;
};

void PrintTo(const LrnCase &c, std::ostream *os) { *os << c.name; }

class LrnCompiled : public ::testing::TestWithParam<LrnCase> {};

TEST_P(LrnCompiled, MatchesReference) {
  const LrnCase &c = GetParam();
  testing::OneNode g = testing::one_node("lrn", {c.x}, c.a, 3, -c.range, c.range);
  expect_compiled_matches(g, 1e-5, c.name);
}

ir::Attrs lrn(int64_t size, double alpha, double beta, double bias) {
  return attrs({{"size", size}, {"alpha", alpha}, {"beta", beta}, {"bias", bias}});
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, LrnCompiled,
    ::testing::Values(
        // AlexNet's first LRN after pooling; large inputs so the sum matters.
        LrnCase{"alexnet", {1, 96, 27, 27}, lrn(5, 1e-4, 0.75, 2.0), 60.0f},
        LrnCase{"pow_beta", {2, 7, 5, 3}, lrn(3, 0.5, 0.6, 1.5), 3.0f},
        LrnCase{"even_size", {1, 10, 4, 4}, lrn(4, 1.0, 0.75, 1.0), 2.0f},
        LrnCase{"beta_half", {1, 6, 5, 5}, lrn(3, 2.0, 0.5, 1.0), 2.0f},
        LrnCase{"beta_one", {1, 6, 5, 5}, lrn(1, 2.0, 1.0, 0.5), 2.0f},
        LrnCase{"size_above_channels", {1, 3, 4, 5}, lrn(9, 1.0, 0.75, 1.0), 2.0f},
        LrnCase{"rank2_along_channels", {3, 40}, lrn(5, 2.0, 0.5, 1.0), 2.0f},
        LrnCase{"rank3_odd", {2, 16, 33}, lrn(5, 1.0, 0.8, 1.0), 2.0f},
        LrnCase{"large_parallel", {2, 64, 32, 32}, lrn(5, 1e-3, 0.75, 1.0), 10.0f}),
    [](const auto &info) { return info.param.name; });

// ------------------------------------------------------------------ scale_channels

TEST(ScaleChannels, HandComputedValues) {
  Tensor x({2, 2, 1, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  Tensor s({2, 2}, {10, -1, 0.5f, 0});
  EXPECT_EQ(run_ref("scale_channels", {}, {x, s}).data,
            (std::vector<float>{10, 20, -3, -4, 2.5f, 3, 0, 0}));
  Tensor s4({2, 2, 1, 1}, s.data);
  EXPECT_EQ(run_ref("scale_channels", {}, {x, s4}).data,
            (std::vector<float>{10, 20, -3, -4, 2.5f, 3, 0, 0}));
}

TEST(ScaleChannels, ShapeErrors) {
  EXPECT_EQ(shape_error("scale_channels", {{2, 8, 4, 4}, {8}}),
            "node 'n' (scale_channels): the scale must have shape 2x8 or 2x8x1x1 (one value per "
            "sample and channel of x 2x8x4x4), got 8");
  EXPECT_EQ(shape_error("scale_channels", {{2, 8, 4, 4}, {2, 8, 4, 1}}),
            "node 'n' (scale_channels): the scale must have shape 2x8 or 2x8x1x1 (one value per "
            "sample and channel of x 2x8x4x4), got 2x8x4x1");
  EXPECT_EQ(shape_error("scale_channels", {{8}, {8}}),
            "node 'n' (scale_channels): x must have rank 2 or more, got 8");
}

struct BinaryCase {
  std::string name;
  std::string op;
  ir::Shape a, b;
};

void PrintTo(const BinaryCase &c, std::ostream *os) { *os << c.name; }

class BinaryCompiled : public ::testing::TestWithParam<BinaryCase> {};

TEST_P(BinaryCompiled, MatchesReference) {
  const BinaryCase &c = GetParam();
  if (c.op == "prelu") {
    // The slope is the layer's parameter: [C, 1, ...] per channel, or [1] when shared.
    ir::Attrs a = attrs({{"shared", int64_t{c.b == ir::Shape{1}}}});
    testing::OneNode g = testing::one_node(c.op, {c.a}, a, 9, -2.0f, 2.0f);
    ASSERT_EQ(g.inputs[1].shape, c.b);
    expect_compiled_matches(g, 1e-5, c.name);
    return;
  }
  // Inputs in [0.5, 2): div stays away from 0.
  testing::OneNode g = testing::one_node(c.op, {c.a, c.b}, {}, 9, 0.5f, 2.0f);
  expect_compiled_matches(g, 1e-5, c.name);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, BinaryCompiled,
    ::testing::Values(
        BinaryCase{"scale_channels_2d_scale", "scale_channels", {2, 8, 7, 7}, {2, 8}},
        BinaryCase{"scale_channels_4d_scale", "scale_channels", {2, 8, 7, 7}, {2, 8, 1, 1}},
        BinaryCase{"scale_channels_rank2", "scale_channels", {4, 16}, {4, 16}},
        BinaryCase{"scale_channels_plane_1x1", "scale_channels", {1, 3, 1, 1}, {1, 3}},
        BinaryCase{"scale_channels_large", "scale_channels", {1, 64, 56, 56}, {1, 64}},
        BinaryCase{"add_same", "add", {2, 3, 4, 5}, {2, 3, 4, 5}},
        BinaryCase{"add_channel_bias", "add", {2, 8, 5, 7}, {8, 1, 1}},
        BinaryCase{"add_both_broadcast", "add", {2, 1, 4}, {3, 1}},
        BinaryCase{"add_large_se", "add", {4, 64, 32, 32}, {4, 64, 1, 1}},
        BinaryCase{"sub_rows", "sub", {5, 33}, {33}},
        BinaryCase{"sub_scalar_first", "sub", {1}, {3, 17}},
        BinaryCase{"sub_same_odd", "sub", {100003}, {100003}},
        BinaryCase{"mul_se", "mul", {2, 16, 7, 7}, {2, 16, 1, 1}},
        BinaryCase{"mul_alternating", "mul", {5, 1, 3, 1, 7}, {1, 6, 1, 4, 7}},
        BinaryCase{"mul_all_ones", "mul", {1, 1}, {1}},
        BinaryCase{"div_columns", "div", {6, 9}, {6, 1}},
        BinaryCase{"div_by_row", "div", {3, 4, 40}, {40}},
        BinaryCase{"div_large", "div", {2, 300, 300}, {300, 1}},
        BinaryCase{"prelu_channels", "prelu", {2, 16, 9, 11}, {16, 1, 1}},
        BinaryCase{"prelu_shared", "prelu", {2, 5, 7}, {1}},
        BinaryCase{"prelu_rank2", "prelu", {4, 33}, {33}}),
    [](const auto &info) { return info.param.name; });

// ------------------------------------------------------------------ prelu

TEST(Prelu, HandComputedValuesAndSlopeShapes) {
  Tensor x({1, 2, 1, 2}, {-2, 3, -4, 5});
  EXPECT_EQ(run_ref("prelu", {}, {x, Tensor({2, 1, 1}, {0.5f, 0.25f})}).data,
            (std::vector<float>{-1, 3, -1, 5}));
  EXPECT_EQ(run_ref("prelu", {}, {x, Tensor({1}, {0.1f})}).data,
            (std::vector<float>{-0.2f, 3, -0.4f, 5}));
  EXPECT_EQ(shape_error("prelu", {{1, 2, 1, 2}, {2}}),
            "");  // [2] broadcasts along the last axis (ONNX), which has 2 too
  EXPECT_EQ(shape_error("prelu", {{1, 3, 4, 4}, {3}}),
            "node 'n' (prelu): the slope must broadcast to x 1x3x4x4 (per channel: 3x1x1), got 3");
  EXPECT_EQ(shape_error("prelu", {{1, 4}, {2, 1, 4}}),
            "node 'n' (prelu): the slope must broadcast to x 1x4 (per channel: 4), got 2x1x4");
}

// A spec's prelu layer makes a [C, 1, 1] slope (or [1] when shared)
// starting at PyTorch's 0.25.
TEST(Prelu, SpecLayerCreatesItsSlope) {
  ir::Graph g = frontend::parse_json_spec(
      R"({"name": "net", "input": {"name": "x", "shape": [1, 3, 2, 2]},
          "layers": [{"type": "prelu", "name": "p"}, {"type": "prelu", "name": "q", "shared": true}]})",
      "t.json", ".");
  int p = g.find_value("p.slope"), q = g.find_value("q.slope");
  ASSERT_GE(p, 0);
  ASSERT_GE(q, 0);
  EXPECT_EQ(g.value(p).type.shape, (ir::Shape{3, 1, 1}));
  EXPECT_EQ(*g.value(p).data, (std::vector<float>{0.25f, 0.25f, 0.25f}));
  EXPECT_EQ(g.value(q).type.shape, (ir::Shape{1}));
  Tensor x({1, 3, 2, 2}, {-16, 1, 2, 3, -4, 5, 6, 7, 8, 9, 10, -32});
  auto out = reference::run_graph(g, {x});
  EXPECT_EQ(out[0].data[0], -1.0f);  // -16 * 0.25 * 0.25
  EXPECT_EQ(out[0].data[11], -2.0f);
}

// ------------------------------------------------------------------ broadcasting

TEST(Broadcast, ShapeRule) {
  EXPECT_EQ(ir::ops::broadcast_shape({2, 1, 4}, {3, 1}), (ir::Shape{2, 3, 4}));
  EXPECT_EQ(ir::ops::broadcast_shape({1}, {5, 6}), (ir::Shape{5, 6}));
  EXPECT_EQ(ir::ops::broadcast_shape({}, {2}), (ir::Shape{2}));
  EXPECT_EQ(ir::ops::broadcast_shape({2, 3}, {2, 3}), (ir::Shape{2, 3}));
  EXPECT_EQ(shape_error("mul", {{2, 3}, {4, 3, 2}}),
            "node 'n' (mul): the inputs must have equal shapes or shapes that broadcast, got 2x3 "
            "and 4x3x2: dimension 1 of the result would be 2 and 3 (numpy rules: the shapes are "
            "aligned at their last dimension, and each pair of dimensions must be equal or one of "
            "them 1)");
}

// Every op against a formula that indexes by division and modulo, written
// apart from the reference's odometer.
TEST(Broadcast, ReferenceMatchesIndexArithmetic) {
  struct Pair {
    ir::Shape a, b;
  };
  for (const Pair &p : {Pair{{2, 1, 4}, {3, 1}}, Pair{{5, 1, 3, 1, 2}, {1, 6, 1, 4, 2}},
                        Pair{{1}, {3, 2}}, Pair{{4, 3}, {4, 3}}, Pair{{2, 3, 1}, {1}}}) {
    Tensor a = testing::random_tensor(p.a, 1, 0.5f, 2.0f),
           b = testing::random_tensor(p.b, 2, 0.5f, 2.0f);
    const ir::Shape out = ir::ops::broadcast_shape(p.a, p.b);
    const int rank = static_cast<int>(out.size());
    const ir::Shape pa = ir::ops::pad_to_rank(p.a, rank), pb = ir::ops::pad_to_rank(p.b, rank);
    for (const char *op : {"add", "sub", "mul", "div"}) {
      Tensor got = run_ref(op, {}, {a, b});
      ASSERT_EQ(got.shape, out);
      for (int64_t k = 0; k < got.numel(); k++) {
        int64_t rest = k, ia = 0, ib = 0, sa = 1, sb = 1;
        for (int d = rank - 1; d >= 0; d--) {
          int64_t i = rest % out[d];
          rest /= out[d];
          ia += (pa[d] == 1 ? 0 : i) * sa;
          ib += (pb[d] == 1 ? 0 : i) * sb;
          sa *= pa[d];
          sb *= pb[d];
        }
        double x = a.data[ia], y = b.data[ib];
        double want = op[0] == 'a' ? x + y : op[0] == 's' ? x - y : op[0] == 'm' ? x * y : x / y;
        EXPECT_EQ(got.data[k], static_cast<float>(want)) << op << " element " << k;
      }
    }
  }
}

TEST(Broadcast, KernelViewsCollapseDimensions) {
  auto v = codegen::ops::broadcast_views({8, 64, 56, 56}, {{8, 64, 56, 56}, {8, 64, 1, 1}});
  EXPECT_EQ(v.output, (ir::Shape{512, 3136}));
  EXPECT_EQ(v.inputs[0], (ir::Shape{512, 3136}));
  EXPECT_EQ(v.inputs[1], (ir::Shape{512, 1}));
  v = codegen::ops::broadcast_views({2, 3, 4}, {{2, 3, 4}, {2, 3, 4}});
  EXPECT_EQ(v.output, (ir::Shape{24}));
  v = codegen::ops::broadcast_views({2, 8, 5, 7}, {{2, 8, 5, 7}, {8, 1, 1}});
  EXPECT_EQ(v.output, (ir::Shape{2, 8, 35}));
  EXPECT_EQ(v.inputs[1], (ir::Shape{1, 8, 1}));
  v = codegen::ops::broadcast_views({1, 1}, {{1, 1}, {1}});
  EXPECT_EQ(v.output, (ir::Shape{1}));
}

// ------------------------------------------------------------------ a whole model

// A squeeze-excitation block on an AlexNet-style stem: conv (leaky_relu with
// its alpha, fused at -O2), lrn, then global pooling, two dense layers and
// the channel scale; a broadcasting sub (per channel) and div (per column)
// at the end.
const char *kSeSpec = R"({
  "name": "se_lrn",
  "inputs": [{"name": "x", "shape": [2, 3, 15, 17]}, {"name": "shift", "shape": [16, 1, 1]},
             {"name": "denom", "shape": [17]}],
  "nodes": [
    {"name": "conv", "type": "conv2d", "inputs": ["x"], "filters": 16, "kernel": 3, "padding": "same"},
    {"name": "act", "type": "leaky_relu", "inputs": ["conv"], "alpha": 0.2},
    {"name": "norm", "type": "lrn", "inputs": ["act"], "size": 5, "alpha": 0.001, "bias": 2},
    {"name": "gap", "type": "global_avg_pool", "inputs": ["norm"]},
    {"name": "flat", "type": "flatten", "inputs": ["gap"]},
    {"name": "squeeze", "type": "dense", "inputs": ["flat"], "units": 4, "activation": "relu"},
    {"name": "excite", "type": "dense", "inputs": ["squeeze"], "units": 16, "activation": "hard_sigmoid"},
    {"name": "scaled", "type": "scale_channels", "inputs": ["norm", "excite"]},
    {"name": "centered", "type": "sub", "inputs": ["scaled", "shift"]},
    {"name": "out", "type": "div", "inputs": ["centered", "denom"]}
  ],
  "outputs": ["out"]
})";

TEST(SqueezeExcitation, CompiledLibraryMatchesReference) {
  ir::Graph g = frontend::parse_json_spec(kSeSpec, "se.json", ".");
  std::vector<Tensor> inputs;
  for (size_t i = 0; i < g.inputs.size(); i++)
    inputs.push_back(testing::random_tensor(g.value(g.inputs[i]).type.shape, 40 + i, 0.5f, 2.0f));
  std::vector<Tensor> want = reference::run_graph(g, inputs);

  Tensor got = testing::run_compiled(testing::optimized(g), inputs)[0];
  std::string diff = testing::compare(got, want[0], 1e-4);
  EXPECT_TRUE(diff.empty()) << diff;
}

}  // namespace
}  // namespace kiln
