// The gradient rules of the ops added beside training (ir/grads/
// activations_ext.cpp, broadcast.cpp, layout.cpp, conv_transpose2d.cpp)
// against central finite differences of a loss in float64 on the reference
// interpreter, then the backward kernels compiled with Halide against the
// reference's float32 gradients, as tests/grad_rules_test.cpp does for the
// older rules. The recurrent layers are tests/grad_recurrent_test.cpp.
//
// Tolerances, as |got - want| <= tol * (1 + |want|):
//   1e-6 analytic (float64) vs finite differences with step 1e-5;
//   1e-4 compiled (float32) vs reference (float32 inputs, double accumulation).
#include <gtest/gtest.h>

#include "ir/errors.h"
#include "tests/grad_test_util.h"

namespace kiln {
namespace {

using testing::attrs;
using testing::expect_rule_matches;
using testing::GradProblem;
using testing::make_problem;
using testing::one_op;
using ints = std::vector<int64_t>;

// Value `name` of the problem, every element v replaced by v * scale + shift.
void rescale(GradProblem &p, const std::string &name, double scale, double shift = 0) {
  for (double &v : p.given.at(p.g.find_value(name)).data) v = v * scale + shift;
}

// The ops emitted after the loss node (the backward).
std::multiset<std::string> backward_ops(const GradProblem &p) {
  std::multiset<std::string> ops;
  for (size_t i = p.loss_node + 1; i < p.g.nodes.size(); i++) ops.insert(p.g.nodes[i].op);
  return ops;
}

// -------------------------------------------------------- scalar activations

struct ActivationCase {
  std::string op;
  ir::Attrs attrs;
  double input_scale = 1;  // inputs in [-scale, scale): reach every piece
};

void PrintTo(const ActivationCase &c, std::ostream *os) { *os << c.op; }

class ActivationGrad : public ::testing::TestWithParam<ActivationCase> {};

TEST_P(ActivationGrad, MatchesFiniteDifferencesAndCompiles) {
  const ActivationCase &c = GetParam();
  GradProblem p = make_problem(one_op(c.op, {{4, 16}}, c.attrs), 31);
  rescale(p, "in0", c.input_scale);
  EXPECT_EQ(backward_ops(p).count("activation_backward"), 1u);
  expect_rule_matches(p);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ActivationGrad,
    ::testing::Values(ActivationCase{"elu", attrs({{"alpha", 0.7}}), 2},
                      ActivationCase{"selu", {}, 2}, ActivationCase{"swish", {}, 4},
                      ActivationCase{"mish", {}, 4},
                      // beta x > threshold at x > 0.5: both pieces.
                      ActivationCase{"softplus", attrs({{"beta", 2.0}, {"threshold", 1.0}}), 1},
                      ActivationCase{"leaky_relu", attrs({{"alpha", 0.2}}), 1},
                      ActivationCase{"relu6", {}, 8},
                      ActivationCase{"hard_sigmoid", attrs({{"alpha", 1.0}, {"beta", 0.5}}), 1},
                      ActivationCase{"hard_swish", {}, 5}, ActivationCase{"softsign", {}, 3},
                      ActivationCase{"clip", attrs({{"min", -0.4}, {"max", 0.3}}), 1},
                      ActivationCase{"clip", attrs({{"min", -0.2}}), 1}),
    [](const auto &info) { return info.param.op + std::to_string(info.index); });

// clip with min > max outputs max everywhere: no gradient reaches x.
TEST(ActivationGradEdge, ClipWithCrossedBoundsHasZeroGradient) {
  GradProblem p = make_problem(one_op("clip", {{3, 5}}, attrs({{"min", 0.5}, {"max", -0.5}})), 32);
  testing::expect_gradients_match(p);
}

// ------------------------------------------------- broadcasting binary ops

struct BinaryCase {
  std::string name, op;
  ir::Shape a, b;
};

void PrintTo(const BinaryCase &c, std::ostream *os) { *os << c.name; }

class BinaryGrad : public ::testing::TestWithParam<BinaryCase> {};

TEST_P(BinaryGrad, SumsOverBroadcastAxes) {
  const BinaryCase &c = GetParam();
  GradProblem p = make_problem(one_op(c.op, {c.a, c.b}, {}), 41);
  if (c.op == "div") rescale(p, "in1", 0.5, 1.5);  // b in [1, 2): away from 0
  // Without broadcasting the backward is the forward's own kernels: compile
  // only the cases that reduce (sum_to_shape).
  expect_rule_matches(p, c.a != c.b);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BinaryGrad,
    ::testing::Values(BinaryCase{"add_same", "add", {2, 3}, {2, 3}},
                      BinaryCase{"add_row", "add", {2, 3, 4}, {3, 1}},
                      BinaryCase{"add_both_ways", "add", {2, 1, 4}, {3, 1}},
                      BinaryCase{"sub_bias", "sub", {3, 5}, {5}},
                      BinaryCase{"sub_left_broadcast", "sub", {1, 4}, {3, 2, 4}},
                      BinaryCase{"mul_same", "mul", {2, 5}, {2, 5}},
                      BinaryCase{"mul_channels", "mul", {2, 3, 2, 2}, {1, 3, 1, 1}},
                      BinaryCase{"div_same", "div", {2, 4}, {2, 4}},
                      BinaryCase{"div_scalar", "div", {2, 3, 2}, {1}},
                      BinaryCase{"div_left_broadcast", "div", {3, 1}, {2, 3, 4}}),
    [](const auto &info) { return info.param.name; });

// ------------------------------------------- prelu, scale_channels, lrn, ...

TEST(PreluGrad, PerChannelAndSharedSlope) {
  expect_rule_matches(make_problem(one_op("prelu", {{2, 3, 2, 3}}, {}), 51));
  expect_rule_matches(make_problem(one_op("prelu", {{3, 4}}, attrs({{"shared", int64_t{1}}})), 52));
}

TEST(ScaleChannelsGrad, MatrixAndPlaneShapedScales) {
  expect_rule_matches(make_problem(one_op("scale_channels", {{2, 3, 2, 3}, {2, 3}}, {}), 53));
  expect_rule_matches(make_problem(one_op("scale_channels", {{2, 4, 3, 1}, {2, 4, 1, 1}}, {}), 54));
}

// A squeeze-excitation block: the scale is computed from x itself, so x's
// gradient sums both paths.
TEST(ScaleChannelsGrad, SqueezeExcitationBlock) {
  auto build = [](ir::Graph &g) {
    auto param = [&](const std::string &n, ir::Shape s) {
      return g.add_param(n, {ir::DType::F32, s}, std::vector<float>(ir::numel(s)));
    };
    auto node = [&](const std::string &op, const std::string &n, std::vector<int> in, ir::Attrs a) {
      return g.node(g.add_node(op, n, in, a)).outputs[0];
    };
    int x = g.add_input("x", {ir::DType::F32, {2, 4, 3, 3}});
    int squeeze = node("global_avg_pool", "squeeze", {x}, {});
    int flat = node("flatten", "flat", {squeeze}, {});
    int fc1 = node("dense", "fc1", {flat, param("fc1.weight", {2, 4}), param("fc1.bias", {2})},
                   attrs({{"units", int64_t{2}}}));
    int act = node("hard_swish", "act", {fc1}, {});
    int fc2 = node("dense", "fc2", {act, param("fc2.weight", {4, 2}), param("fc2.bias", {4})},
                   attrs({{"units", int64_t{4}}}));
    int gate = node("hard_sigmoid", "gate", {fc2}, attrs({{"alpha", 0.5}}));
    return node("scale_channels", "excite", {x, gate}, {});
  };
  GradProblem p = make_problem(build, 55);
  testing::expect_gradients_match(p);
}

TEST(LrnGrad, OddAndEvenWindows) {
  // A large alpha so the cross-channel terms of the gradient weigh.
  expect_rule_matches(make_problem(
      one_op("lrn", {{2, 5, 2, 3}}, attrs({{"size", int64_t{3}}, {"alpha", 0.9}, {"bias", 1.5}})),
      56));
  expect_rule_matches(make_problem(
      one_op("lrn", {{1, 6, 3}}, attrs({{"size", int64_t{4}}, {"alpha", 2.0}, {"beta", 0.6}})),
      57));
}

TEST(LogSoftmaxGrad, LastAndMiddleAxis) {
  expect_rule_matches(make_problem(one_op("log_softmax", {{3, 5}}, {}), 58));
  expect_rule_matches(
      make_problem(one_op("log_softmax", {{2, 4, 3}}, attrs({{"axis", int64_t{1}}})), 59));
}

TEST(MatmulGrad, BatchedAndBroadcastBatch) {
  expect_rule_matches(make_problem(one_op("matmul", {{2, 3, 4}, {4, 5}}, {}), 61));
  expect_rule_matches(make_problem(one_op("matmul", {{3, 4}, {2, 4, 2}}, {}), 62));
  expect_rule_matches(make_problem(one_op("matmul", {{2, 1, 3, 2}, {3, 2, 4}}, {}), 63));
}

TEST(LayoutGrad, ReduceMeanSlicePadPermute) {
  expect_rule_matches(
      make_problem(one_op("reduce_mean", {{2, 3, 4, 5}}, attrs({{"axes", ints{1, 2}}})), 64));
  expect_rule_matches(make_problem(
      one_op("slice", {{2, 7, 3}},
             attrs({{"axis", int64_t{1}}, {"start", int64_t{2}}, {"length", int64_t{4}}})),
      65));
  expect_rule_matches(
      make_problem(one_op("pad", {{2, 3, 4}}, attrs({{"pads", ints{0, 1, 2, 0, 0, 3}}})), 66));
  expect_rule_matches(
      make_problem(one_op("permute", {{2, 3, 4}}, attrs({{"perm", ints{2, 0, 1}}})), 67));
}

TEST(LayoutGrad, BroadcastToAndSumToShapeAreEachOthersGradient) {
  expect_rule_matches(make_problem(
      one_op("broadcast_to", {{3, 1}}, attrs({{"shape", ints{2, 3, 4}}, {"scale", 0.5}})), 68));
  expect_rule_matches(make_problem(
      one_op("sum_to_shape", {{2, 3, 4}}, attrs({{"shape", ints{3, 1}}, {"scale", -2.0}})), 69));
}

TEST(LayoutGrad, PadInReflectModeIsALoudError) {
  try {
    make_problem(one_op("pad", {{2, 4}},
                        attrs({{"pads", ints{0, 1, 0, 1}}, {"mode", std::string("reflect")}})),
                 70);
    FAIL() << "expected an error";
  } catch (const UserError &e) {
    EXPECT_NE(std::string(e.what()).find("reflect mode has no gradient rule"), std::string::npos)
        << e.what();
  }
}

// --------------------------------------------------------- conv_transpose2d

struct ConvTransposeCase {
  std::string name;
  ir::Shape x;
  ir::Attrs attrs;
};

void PrintTo(const ConvTransposeCase &c, std::ostream *os) { *os << c.name; }

class ConvTransposeGrad : public ::testing::TestWithParam<ConvTransposeCase> {};

// dx is an ordinary conv2d and dw a conv2d_backward_weight: the forward
// conv's own kernels.
TEST_P(ConvTransposeGrad, MatchesFiniteDifferencesAndCompiles) {
  const ConvTransposeCase &c = GetParam();
  GradProblem p = make_problem(one_op("conv_transpose2d", {c.x}, c.attrs), 71);
  const auto ops = backward_ops(p);
  EXPECT_EQ(ops.count("conv2d"), 1u);
  EXPECT_EQ(ops.count("conv2d_backward_weight"), 1u);
  expect_rule_matches(p);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConvTransposeGrad,
    ::testing::Values(ConvTransposeCase{"k3_s1",
                                        {2, 3, 4, 3},
                                        attrs({{"filters", int64_t{2}}, {"kernel", ints{3, 3}}})},
                      ConvTransposeCase{"k3_s2_pad_output_padding",
                                        {1, 2, 3, 4},
                                        attrs({{"filters", int64_t{3}},
                                               {"kernel", ints{3, 3}},
                                               {"stride", ints{2, 2}},
                                               {"padding", ints{1, 1, 1, 1}},
                                               {"output_padding", ints{1, 1}}})},
                      ConvTransposeCase{"groups2_dilation2_stride_2x1_no_bias",
                                        {2, 4, 3, 3},
                                        attrs({{"filters", int64_t{6}},
                                               {"kernel", ints{2, 3}},
                                               {"stride", ints{2, 1}},
                                               {"dilation", ints{2, 2}},
                                               {"groups", int64_t{2}},
                                               {"padding", ints{1, 0, 0, 2}},
                                               {"use_bias", int64_t{0}}})},
                      ConvTransposeCase{"k4_s2_pad1_upsample",
                                        {1, 2, 3, 3},
                                        attrs({{"filters", int64_t{2}},
                                               {"kernel", ints{4, 4}},
                                               {"stride", ints{2, 2}},
                                               {"padding", ints{1, 1, 1, 1}}})}),
    [](const auto &info) { return info.param.name; });

}  // namespace
}  // namespace kiln
