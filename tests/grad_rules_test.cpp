// Every gradient rule (ir/grads/) against central finite differences of a
// loss in float64 on the reference interpreter, over small random shapes
// that cover each op's attributes (stride, padding and padding modes,
// dilation, groups, ceil mode, ...); then every backward kernel compiled
// with Halide against the reference's float32 gradients.
//
// Tolerances, as |got - want| <= tol * (1 + |want|):
//   1e-6 analytic (float64) vs finite differences with step 1e-5;
//   1e-4 compiled (float32) vs reference (float32 inputs, double accumulation).
#include <gtest/gtest.h>

#include "ir/errors.h"
#include "ir/ops/dropout_mask.h"
#include "passes/autodiff.h"
#include "tests/grad_test_util.h"

namespace kiln {
namespace {

using testing::attrs;
using testing::expect_rule_matches;
using testing::GradProblem;
using testing::make_problem;
using testing::one_op;
using ints = std::vector<int64_t>;

// ------------------------------------------------------------------ conv2d

struct ConvCase {
  std::string name;
  ir::Shape x;
  ir::Attrs attrs;
  bool compiled = true;
};

void PrintTo(const ConvCase &c, std::ostream *os) { *os << c.name; }

class Conv2dGrad : public ::testing::TestWithParam<ConvCase> {};

TEST_P(Conv2dGrad, MatchesFiniteDifferencesAndCompiles) {
  const ConvCase &c = GetParam();
  expect_rule_matches(make_problem(one_op("conv2d", {c.x}, c.attrs), 11), c.compiled);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, Conv2dGrad,
    ::testing::Values(
        ConvCase{
            "valid_3x3", {2, 3, 6, 5}, attrs({{"filters", int64_t{4}}, {"kernel", ints{3, 3}}})},
        ConvCase{"stride2_same",
                 {2, 2, 7, 6},
                 attrs({{"filters", int64_t{3}},
                        {"kernel", ints{3, 3}},
                        {"stride", ints{2, 2}},
                        {"padding", std::string("same")}})},
        ConvCase{"asymmetric_padding_stride_2x1",
                 {1, 2, 6, 7},
                 attrs({{"filters", int64_t{2}},
                        {"kernel", ints{3, 2}},
                        {"stride", ints{2, 1}},
                        {"padding", ints{1, 0, 2, 1}}})},
        ConvCase{"dilation2",
                 {2, 2, 8, 7},
                 attrs({{"filters", int64_t{3}},
                        {"kernel", ints{3, 3}},
                        {"dilation", ints{2, 2}},
                        {"padding", ints{2, 1, 2, 1}}})},
        ConvCase{"groups2",
                 {2, 4, 5, 5},
                 attrs({{"filters", int64_t{6}},
                        {"kernel", ints{3, 3}},
                        {"groups", int64_t{2}},
                        {"padding", std::string("same")}})},
        ConvCase{"depthwise_stride2",
                 {1, 3, 7, 7},
                 attrs({{"filters", int64_t{3}},
                        {"kernel", ints{3, 3}},
                        {"groups", int64_t{3}},
                        {"stride", ints{2, 2}},
                        {"padding", ints{1, 1, 1, 1}}})},
        ConvCase{"replicate",
                 {2, 2, 5, 6},
                 attrs({{"filters", int64_t{2}},
                        {"kernel", ints{3, 3}},
                        {"padding", ints{2, 1, 1, 2}},
                        {"padding_mode", std::string("replicate")}})},
        ConvCase{"reflect_stride2",
                 {1, 2, 6, 5},
                 attrs({{"filters", int64_t{3}},
                        {"kernel", ints{3, 3}},
                        {"stride", ints{2, 2}},
                        {"padding", ints{2, 1, 1, 2}},
                        {"padding_mode", std::string("reflect")}})},
        ConvCase{
            "no_bias_1x1",
            {2, 3, 4, 4},
            attrs({{"filters", int64_t{2}}, {"kernel", ints{1, 1}}, {"use_bias", int64_t{0}}})},
        // Zero padding beyond the kernel's reach: conv2d_backward_data.
        ConvCase{"padding_beyond_reach_1x1",
                 {1, 3, 4, 5},
                 attrs({{"filters", int64_t{2}},
                        {"kernel", ints{1, 1}},
                        {"padding", ints{1, 0, 2, 1}}})},
        ConvCase{"stride3_rest_rows",
                 {1, 2, 8, 9},
                 attrs({{"filters", int64_t{2}},
                        {"kernel", ints{2, 3}},
                        {"stride", ints{3, 2}},
                        {"padding", ints{1, 1, 0, 0}},
                        {"dilation", ints{1, 2}}})},
        ConvCase{"kernel_covers_input",
                 {2, 2, 3, 3},
                 attrs({{"filters", int64_t{3}}, {"kernel", ints{3, 3}}})}),
    [](const auto &info) { return info.param.name; });

// The data gradient of a conv with zero padding is a conv2d over the dilated
// dy with the flipped weight; other padding uses conv2d_backward_data.
TEST(Conv2dGradForm, ZeroPaddingUsesAnOrdinaryConvolution) {
  auto ops_of = [](const ir::Attrs &a) {
    GradProblem p = make_problem(one_op("conv2d", {{1, 2, 6, 6}}, a), 1);
    std::multiset<std::string> ops;
    for (size_t i = p.loss_node + 1; i < p.g.nodes.size(); i++) ops.insert(p.g.nodes[i].op);
    return ops;
  };
  auto base = attrs({{"filters", int64_t{2}}, {"kernel", ints{3, 3}}, {"stride", ints{2, 2}}});
  auto ops = ops_of(base);
  EXPECT_EQ(ops.count("conv2d"), 1u);
  EXPECT_EQ(ops.count("dilate_pad"), 1u);
  EXPECT_EQ(ops.count("flip_conv_weight"), 1u);
  EXPECT_EQ(ops.count("conv2d_backward_data"), 0u);
  base.set("padding_mode", std::string("reflect"));
  base.set("padding", ints{1, 1, 1, 1});
  ops = ops_of(base);
  EXPECT_EQ(ops.count("conv2d"), 0u);
  EXPECT_EQ(ops.count("conv2d_backward_data"), 1u);
}

// ------------------------------------------------------------ dense, pooling

TEST(DenseGrad, WithAndWithoutBias) {
  expect_rule_matches(make_problem(one_op("dense", {{3, 5}}, attrs({{"units", int64_t{4}}})), 3));
  expect_rule_matches(make_problem(
      one_op("dense", {{2, 7}}, attrs({{"units", int64_t{3}}, {"use_bias", int64_t{0}}})), 4));
}

struct PoolCase {
  std::string name, op;
  ir::Shape x;
  ir::Attrs attrs;
};

void PrintTo(const PoolCase &c, std::ostream *os) { *os << c.name; }

class PoolGrad : public ::testing::TestWithParam<PoolCase> {};

TEST_P(PoolGrad, MatchesFiniteDifferencesAndCompiles) {
  const PoolCase &c = GetParam();
  expect_rule_matches(make_problem(one_op(c.op, {c.x}, c.attrs), 21));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PoolGrad,
    ::testing::Values(
        PoolCase{"max_2x2", "max_pool2d", {2, 2, 6, 6}, attrs({{"kernel", ints{2, 2}}})},
        PoolCase{
            "max_3x3_s2_pad1",
            "max_pool2d",
            {1, 2, 7, 6},
            attrs({{"kernel", ints{3, 3}}, {"stride", ints{2, 2}}, {"padding", ints{1, 1, 1, 1}}})},
        PoolCase{"max_ceil_mode",
                 "max_pool2d",
                 {1, 2, 7, 7},
                 attrs({{"kernel", ints{2, 2}}, {"ceil_mode", int64_t{1}}})},
        PoolCase{"avg_2x2", "avg_pool2d", {2, 2, 6, 4}, attrs({{"kernel", ints{2, 2}}})},
        PoolCase{
            "avg_3x3_s2_pad1_exclude",
            "avg_pool2d",
            {1, 2, 7, 6},
            attrs({{"kernel", ints{3, 3}}, {"stride", ints{2, 2}}, {"padding", ints{1, 1, 1, 1}}})},
        PoolCase{"avg_3x3_s2_pad1_include",
                 "avg_pool2d",
                 {1, 2, 7, 6},
                 attrs({{"kernel", ints{3, 3}},
                        {"stride", ints{2, 2}},
                        {"padding", ints{1, 1, 1, 1}},
                        {"count_include_pad", int64_t{1}}})},
        PoolCase{
            "avg_ceil_mode_overlap",
            "avg_pool2d",
            {1, 1, 7, 7},
            attrs({{"kernel", ints{3, 3}}, {"stride", ints{2, 2}}, {"ceil_mode", int64_t{1}}})},
        PoolCase{"global_max", "global_max_pool", {2, 3, 4, 5}, {}},
        PoolCase{"global_avg", "global_avg_pool", {2, 3, 4, 5}, {}}),
    [](const auto &info) { return info.param.name; });

// ------------------------------------------------------------- batch norm

TEST(BatchNormGrad, TrainingFormOnImagesAndVectors) {
  // The running statistics do not reach the loss while training.
  const std::set<std::string> running = {"batch_norm.mean", "batch_norm.var"};
  expect_rule_matches(
      make_problem(one_op("batch_norm", {{3, 2, 3, 2}}, {}), 5, "mse_loss", running));
  expect_rule_matches(make_problem(one_op("batch_norm", {{4, 3}}, attrs({{"epsilon", 1e-3}})), 6,
                                   "mse_loss", running));
}

TEST(BatchNormGrad, RunningStatisticsUpdatedWithMomentum) {
  GradProblem p = make_problem(one_op("batch_norm", {{4, 2, 2, 3}}, {}), 8);
  ASSERT_EQ(p.g.updates.size(), 2u);
  const std::vector<testing::Tensor64> v = reference::evaluate(p.g, p.given);
  const testing::Tensor64 &x = p.given.at(p.g.find_value("in0"));
  for (const ir::Update &u : p.g.updates) {
    const bool is_var = p.g.value(u.param).name == "batch_norm.var";
    const testing::Tensor64 &running = p.given.at(u.param);
    for (int64_t c = 0; c < 2; c++) {
      double sum = 0, sq = 0;
      const int64_t m = 4 * 2 * 3;
      for (int64_t n = 0; n < 4; n++)
        for (int64_t i = 0; i < 6; i++) sum += x.data[(n * 2 + c) * 6 + i];
      for (int64_t n = 0; n < 4; n++)
        for (int64_t i = 0; i < 6; i++) sq += std::pow(x.data[(n * 2 + c) * 6 + i] - sum / m, 2);
      const double batch = is_var ? sq / (m - 1) : sum / m;  // unbiased variance
      EXPECT_NEAR(v[u.value].data[c], 0.9 * running.data[c] + 0.1 * batch, 1e-12)
          << p.g.value(u.param).name << "[" << c << "]";
    }
  }
}

TEST(BatchNormGrad, BatchOfOneCannotTrain) {
  try {
    make_problem(one_op("batch_norm", {{1, 3}}, {}), 1);
    FAIL() << "expected an error";
  } catch (const UserError &e) {
    EXPECT_NE(std::string(e.what()).find("more than one value per channel"), std::string::npos)
        << e.what();
  }
}

// ------------------------------------------------------------- activations

TEST(ActivationGrad, ReluSigmoidTanh) {
  for (const char *op : {"relu", "sigmoid", "tanh"}) {
    SCOPED_TRACE(op);
    expect_rule_matches(make_problem(one_op(op, {{3, 7}}, {}), 9));
  }
}

TEST(ActivationGrad, SoftmaxAlongLastAndChannelAxes) {
  expect_rule_matches(make_problem(one_op("softmax", {{3, 6}}, {}), 12));
  expect_rule_matches(
      make_problem(one_op("softmax", {{2, 4, 3, 2}}, attrs({{"axis", int64_t{1}}})), 13));
}

// --------------------------------------------------- add, concat, flatten

TEST(StructuralGrad, AddConcatFlatten) {
  expect_rule_matches(make_problem(one_op("add", {{2, 3, 4}, {2, 3, 4}}, {}), 14));
  expect_rule_matches(make_problem(
      one_op("concat", {{2, 2, 3}, {2, 1, 3}, {2, 3, 3}}, attrs({{"axis", int64_t{1}}})), 15));
  expect_rule_matches(
      make_problem(one_op("concat", {{2, 3}, {2, 2}}, attrs({{"axis", int64_t{-1}}})), 16));
  expect_rule_matches(make_problem(one_op("flatten", {{2, 3, 2, 2}}, {}), 17));
}

// A value read by two nodes (a residual connection) gets the sum of both
// gradients; a node reading the same value twice too.
TEST(StructuralGrad, GradientsOfSharedValuesAreSummed) {
  auto build = [](ir::Graph &g) {
    int x = g.add_input("x", {ir::DType::F32, {2, 5}});
    int t = g.node(g.add_node("tanh", "t", {x}, {})).outputs[0];
    int s = g.node(g.add_node("add", "s", {t, x}, {})).outputs[0];
    return g.node(g.add_node("add", "twice", {s, s}, {})).outputs[0];
  };
  GradProblem p = make_problem(build, 18);
  expect_rule_matches(p);
  int sums = 0;
  for (const ir::Node &n : p.g.nodes) sums += n.name.find("/grad_sum") != std::string::npos;
  EXPECT_GE(sums, 2);
}

// ------------------------------------------------------------------ dropout

TEST(DropoutGrad, MaskedGradientMatchesFiniteDifferences) {
  expect_rule_matches(make_problem(one_op("dropout", {{4, 16}}, attrs({{"rate", 0.3}})), 19));
}

TEST(DropoutGrad, MaskIsSeededReproducibleAndDropsTheRate) {
  ir::Graph g;
  int x = g.add_input("x", {ir::DType::F32, {64, 64}});
  int step = g.add_param("step", {ir::DType::F32, {1}}, {3.0f});
  g.mark_output(g.node(g.add_node("dropout_train", "d", {x, step},
                                  attrs({{"rate", 0.25}, {"seed", int64_t{7}}})))
                    .outputs[0]);
  reference::Tensor ones({64, 64}, std::vector<float>(64 * 64, 1.0f));
  const reference::Tensor a = reference::run_graph(g, {ones})[0],
                          b = reference::run_graph(g, {ones})[0];
  EXPECT_EQ(a.data, b.data);
  int64_t kept = 0;
  for (float v : a.data) {
    ASSERT_TRUE(v == 0.0f || std::fabs(v - 1 / 0.75f) < 1e-6f) << v;
    kept += v != 0.0f;
  }
  EXPECT_NEAR(static_cast<double>(kept) / a.numel(), 0.75, 0.03);
  // Another step draws another mask; the compiled kernel draws the same bits.
  g.values[step].data = std::make_shared<const std::vector<float>>(std::vector<float>{4.0f});
  EXPECT_NE(reference::run_graph(g, {ones})[0].data, a.data);
  g.values[step].data = std::make_shared<const std::vector<float>>(std::vector<float>{3.0f});
  EXPECT_EQ(testing::run_compiled(g, g.nodes[0], {ones, reference::Tensor({1}, {3.0f})})[0].data,
            a.data);
  EXPECT_EQ(ir::ops::dropout_hash(7, 3, 0), ir::ops::dropout_hash(7, 3, 0));
}

// ------------------------------------------------------------------- losses

TEST(LossGrad, EveryLoss) {
  auto tanh_of = [](ir::Shape s) { return one_op("tanh", {s}, {}); };
  expect_rule_matches(make_problem(tanh_of({3, 4}), 20, "mse_loss"));
  expect_rule_matches(make_problem(one_op("sigmoid", {{3, 4}}, {}), 21, "bce_loss"));
  expect_rule_matches(make_problem(tanh_of({3, 4}), 22, "bce_with_logits_loss"));
  expect_rule_matches(make_problem(tanh_of({5, 4}), 23, "softmax_cross_entropy"));
}

// A final softmax is folded into softmax cross-entropy: the loss reads its
// input, and the gradient flows around it.
TEST(LossGrad, SoftmaxCrossEntropyReadsTheLogitsOfAFinalSoftmax) {
  auto build = [](ir::Graph &g) {
    int x = g.add_input("x", {ir::DType::F32, {4, 6}});
    int logits =
        g.node(g.add_node("dense", "fc",
                          {x, g.add_param("w", {ir::DType::F32, {3, 6}}, std::vector<float>(18)),
                           g.add_param("b", {ir::DType::F32, {3}}, std::vector<float>(3))},
                          attrs({{"units", int64_t{3}}})))
            .outputs[0];
    return g.node(g.add_node("softmax", "probs", {logits}, {})).outputs[0];
  };
  GradProblem p = make_problem(build, 24, "softmax_cross_entropy");
  EXPECT_EQ(p.g.value(p.g.node(p.loss_node).inputs[0]).name, "fc");
  expect_rule_matches(p);
}

TEST(LossGrad, LossOfAnotherLossIsScaledByItsGradient) {
  // d(mse(l, t))/dx through a softmax cross-entropy l: the inner loss is
  // not the seed, so its rule multiplies by the incoming gradient.
  auto build = [](ir::Graph &g) {
    int x = g.add_input("x", {ir::DType::F32, {3, 4}});
    int labels = g.add_input("classes", {ir::DType::F32, {3}});
    return g.node(g.add_node("softmax_cross_entropy", "inner", {x, labels}, {})).outputs[0];
  };
  GradProblem p = make_problem(build, 25, "mse_loss", {"classes"});
  p.given[p.g.find_value("classes")] = testing::Tensor64({3}, {0, 3, 1});
  expect_rule_matches(p);
}

// --------------------------------------------- a small network, end to end

TEST(NetworkGrad, ConvBatchNormPoolDenseWithSoftmaxCrossEntropy) {
  auto build = [](ir::Graph &g) {
    auto param = [&](const std::string &n, ir::Shape s) {
      return g.add_param(n, {ir::DType::F32, s}, std::vector<float>(ir::numel(s)));
    };
    auto node = [&](const std::string &op, const std::string &n, std::vector<int> in, ir::Attrs a) {
      return g.node(g.add_node(op, n, in, a)).outputs[0];
    };
    int x = g.add_input("image", {ir::DType::F32, {3, 1, 8, 8}});
    int c1 = node(
        "conv2d", "c1", {x, param("c1.weight", {4, 1, 3, 3}), param("c1.bias", {4})},
        attrs({{"filters", int64_t{4}}, {"kernel", ints{3, 3}}, {"padding", std::string("same")}}));
    int bn = node("batch_norm", "bn",
                  {c1, param("bn.gamma", {4}), param("bn.beta", {4}), param("bn.mean", {4}),
                   param("bn.var", {4})},
                  {});
    int r = node("relu", "r", {bn}, {});
    int pool = node("max_pool2d", "pool", {r}, attrs({{"kernel", ints{2, 2}}}));
    int d = node("dropout", "drop", {pool}, attrs({{"rate", 0.2}}));
    int flat = node("flatten", "flat", {d}, {});
    int fc = node("dense", "fc", {flat, param("fc.weight", {5, 64}), param("fc.bias", {5})},
                  attrs({{"units", int64_t{5}}}));
    return node("softmax", "probs", {fc}, {});
  };
  GradProblem p = make_problem(build, 26, "softmax_cross_entropy");
  // The running statistics are no parameters of the loss.
  testing::expect_gradients_match(p, 1e-6, 1e-5, 16, {"bn.mean", "bn.var"});
}

// ------------------------------------------------------------------- errors

TEST(Autodiff, OpWithoutAGradientRuleIsALoudError) {
  try {
    // Backward ops have no rules of their own (no second derivatives).
    make_problem(one_op("relu_backward", {{2, 3}, {2, 3}}, {}), 1);
    FAIL() << "expected an error";
  } catch (const UserError &e) {
    EXPECT_NE(std::string(e.what()).find(
                  "no gradient rule for op 'relu_backward' (node 'relu_backward')"),
              std::string::npos)
        << e.what();
  }
}

TEST(Autodiff, FusedEpilogueHasNoRule) {
  ir::Attrs a = attrs({{"units", int64_t{2}}, {"activation", std::string("relu")}});
  try {
    make_problem(one_op("dense", {{2, 3}}, a), 1);
    FAIL() << "expected an error";
  } catch (const UserError &e) {
    EXPECT_NE(std::string(e.what()).find("fused epilogue"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace kiln
