// Passes: each one's graph before and after as printed IR (golden text), and
// the numbers before and after on the reference interpreter.
//
// Numeric tolerance: folding changes the rounding of the weights, so outputs
// agree to |a - b| <= 1e-4 * (1 + |b|).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "ir/errors.h"
#include "ir/printer.h"
#include "passes/eliminate_concat.h"
#include "passes/eliminate_dead_nodes.h"
#include "passes/eliminate_identity.h"
#include "passes/fold_batchnorm.h"
#include "passes/fold_constants.h"
#include "passes/pass_manager.h"
#include "reference/interpreter.h"
#include "test_util.h"

namespace kiln {
namespace {

std::vector<float> random_values(int64_t n, unsigned seed, float lo, float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (auto &x : v) x = dist(rng);
  return v;
}

int param(ir::Graph &g, const std::string &name, ir::Shape shape, unsigned seed, float lo = -1,
          float hi = 1) {
  int64_t n = ir::numel(shape);
  return g.add_param(name, {ir::DType::F32, shape}, random_values(n, seed, lo, hi));
}

int batch_norm(ir::Graph &g, const std::string &name, int x, int64_t c) {
  ir::Attrs a;
  a.set("epsilon", 1e-3);
  int node = g.add_node(
      "batch_norm", name,
      {x, param(g, name + ".gamma", {c}, 1, 0.5f, 1.5f), param(g, name + ".beta", {c}, 2),
       param(g, name + ".mean", {c}, 3), param(g, name + ".var", {c}, 4, 0.2f, 2.0f)},
      a);
  return g.nodes[node].outputs[0];
}

// x -> conv (no bias) -> bn -> relu -> output
ir::Graph conv_bn_relu() {
  ir::Graph g;
  g.name = "t";
  int x = g.add_input("x", {ir::DType::F32, {1, 3, 6, 6}});
  ir::Attrs a;
  a.set("filters", int64_t{4});
  a.set("kernel", std::vector<int64_t>{3, 3});
  a.set("use_bias", int64_t{0});
  int conv = g.nodes[g.add_node("conv2d", "conv", {x, param(g, "conv.weight", {4, 3, 3, 3}, 7)}, a)]
                 .outputs[0];
  int bn = batch_norm(g, "bn", conv, 4);
  g.mark_output(g.nodes[g.add_node("relu", "act", {bn}, {})].outputs[0]);
  return g;
}

void expect_same_numbers(const ir::Graph &before, const ir::Graph &after) {
  std::vector<reference::Tensor> inputs;
  for (int id : before.inputs)
    inputs.emplace_back(before.value(id).type.shape,
                        random_values(before.value(id).type.numel(), 99, -1, 1));
  auto a = reference::run_graph(before, inputs), b = reference::run_graph(after, inputs);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); i++)
    for (int64_t k = 0; k < a[i].numel(); k++)
      EXPECT_NEAR(b[i].data[k], a[i].data[k], 1e-4 * (1 + std::fabs(a[i].data[k])));
}

TEST(FoldBatchnorm, ConvWithoutBiasGetsOne) {
  ir::Graph g = conv_bn_relu();
  ir::Graph folded = passes::fold_batchnorm(g);
  EXPECT_EQ(ir::print_graph(folded),
            "graph t {\n"
            "  input x: f32[1x3x6x6]\n"
            "  param conv.weight: f32[4x3x3x3]\n"
            "  param conv.bias: f32[4]\n"
            "  conv = conv2d(x, conv.weight, conv.bias) {dilation=[1,1], "
            "filters=4, groups=1, kernel=[3,3], "
            "padding=\"valid\", padding_mode=\"zeros\", stride=[1,1], use_bias=1} : f32[1x4x4x4]\n"
            "  act = relu(conv) : f32[1x4x4x4]\n"
            "  output act\n"
            "}\n");
  expect_same_numbers(g, folded);
}

TEST(FoldBatchnorm, DenseAndGraphOutputKeepsItsName) {
  ir::Graph g;
  g.name = "t";
  int x = g.add_input("x", {ir::DType::F32, {2, 5}});
  ir::Attrs a;
  a.set("units", int64_t{3});
  int fc =
      g.nodes[g.add_node("dense", "fc",
                         {x, param(g, "fc.weight", {3, 5}, 8), param(g, "fc.bias", {3}, 9)}, a)]
          .outputs[0];
  g.mark_output(batch_norm(g, "bn", fc, 3));
  ir::Graph folded = passes::fold_batchnorm(g);
  ASSERT_EQ(folded.nodes.size(), 1u);
  EXPECT_EQ(folded.value(folded.outputs[0]).name, "bn");
  expect_same_numbers(g, folded);
}

TEST(FoldBatchnorm, LeavesUnfoldableBatchNormAlone) {
  ir::Graph g;
  g.name = "t";
  int x = g.add_input("x", {ir::DType::F32, {1, 2, 3, 3}});
  int r = g.nodes[g.add_node("relu", "r", {x}, {})].outputs[0];
  g.mark_output(batch_norm(g, "bn", r, 2));  // after a relu: stays a scale and shift
  EXPECT_EQ(ir::print_graph(passes::fold_batchnorm(g)), ir::print_graph(g));

  ir::Graph shared = conv_bn_relu();
  shared.mark_output(shared.find_value("conv"));  // the conv output is needed as it is
  EXPECT_EQ(ir::print_graph(passes::fold_batchnorm(shared)), ir::print_graph(shared));
}

TEST(EliminateDeadNodes, RemovesUnusedBranchAndItsParameters) {
  ir::Graph g = conv_bn_relu();
  int x = g.inputs[0];
  g.add_node("sigmoid", "unused", {x}, {});
  ir::Graph clean = passes::eliminate_dead_nodes(g);
  EXPECT_EQ(clean.nodes.size(), 3u);
  EXPECT_EQ(clean.find_node("unused"), -1);
  EXPECT_EQ(ir::print_graph(clean), ir::print_graph(conv_bn_relu()));
}

TEST(EliminateIdentity, RemovesDropoutAndKeepsOutputName) {
  ir::Graph g;
  g.name = "t";
  int x = g.add_input("x", {ir::DType::F32, {1, 4}});
  int r = g.nodes[g.add_node("relu", "r", {x}, {})].outputs[0];
  int d1 = g.nodes[g.add_node("dropout", "drop1", {r}, {})].outputs[0];
  int s = g.nodes[g.add_node("sigmoid", "s", {d1}, {})].outputs[0];
  g.mark_output(g.nodes[g.add_node("dropout", "drop2", {s}, {})].outputs[0]);
  ir::Graph out = passes::eliminate_identity(g);
  EXPECT_EQ(ir::print_graph(out),
            "graph t {\n"
            "  input x: f32[1x4]\n"
            "  r = relu(x) : f32[1x4]\n"
            "  drop2 = sigmoid(r) : f32[1x4]\n"
            "  output drop2\n"
            "}\n");
  expect_same_numbers(g, out);

  ir::Graph direct;  // dropout of a graph input: the output must still be written
  direct.name = "t";
  int in = direct.add_input("x", {ir::DType::F32, {2}});
  direct.mark_output(direct.nodes[direct.add_node("dropout", "d", {in}, {})].outputs[0]);
  EXPECT_EQ(passes::eliminate_identity(direct).nodes.size(), 1u);
}

TEST(FoldConstants, ComputesParameterOnlyNodes) {
  ir::Graph g;
  g.name = "t";
  int x = g.add_input("x", {ir::DType::F32, {1, 3}});
  int p = param(g, "p", {1, 3}, 5);
  int q = param(g, "q", {1, 3}, 6);
  int pq = g.nodes[g.add_node("add", "pq", {p, q}, {})].outputs[0];
  int t = g.nodes[g.add_node("tanh", "t", {pq}, {})].outputs[0];
  g.mark_output(g.nodes[g.add_node("add", "out", {x, t}, {})].outputs[0]);
  ir::Graph out = passes::fold_constants(g);
  EXPECT_EQ(ir::print_graph(out),
            "graph t {\n"
            "  input x: f32[1x3]\n"
            "  param t: f32[1x3]\n"
            "  out = add(x, t) : f32[1x3]\n"
            "  output out\n"
            "}\n");
  expect_same_numbers(g, out);
}

ir::Graph two_branch_concat(int64_t batch) {
  ir::Graph g;
  g.name = "t";
  int x = g.add_input("x", {ir::DType::F32, {batch, 2, 2, 2}});
  int a = g.nodes[g.add_node("relu", "a", {x}, {})].outputs[0];
  int b = g.nodes[g.add_node("sigmoid", "b", {x}, {})].outputs[0];
  int c = g.nodes[g.add_node("concat", "c", {a, b}, {})].outputs[0];
  g.mark_output(g.nodes[g.add_node("tanh", "out", {c}, {})].outputs[0]);
  return g;
}

TEST(EliminateConcat, MarksContiguousConcatInPlace) {
  ir::Graph out = passes::eliminate_concat(two_branch_concat(1));
  EXPECT_EQ(ir::print_graph(out),
            "graph t {\n"
            "  input x: f32[1x2x2x2]\n"
            "  a = relu(x) : f32[1x2x2x2]\n"
            "  b = sigmoid(x) : f32[1x2x2x2]\n"
            "  c = concat(a, b) {axis=1, in_place=1} : f32[1x4x2x2]\n"
            "  out = tanh(c) : f32[1x4x2x2]\n"
            "  output out\n"
            "}\n");
  EXPECT_TRUE(passes::is_elided(out.nodes[2]));
  // At batch 2 each slice is two blocks: the concat keeps copying.
  ir::Graph batched = two_branch_concat(2);
  EXPECT_EQ(ir::print_graph(passes::eliminate_concat(batched)), ir::print_graph(batched));
  // An input that is also a graph output keeps its own buffer.
  ir::Graph shared = two_branch_concat(1);
  shared.mark_output(shared.find_value("a"));
  EXPECT_FALSE(passes::is_elided(passes::eliminate_concat(shared).nodes[2]));
}

TEST(PassManager, LevelsNamesAndDumps) {
  EXPECT_TRUE(passes::passes_for_level(0).empty());
  EXPECT_FALSE(passes::passes_for_level(2).empty());
  EXPECT_THROW(passes::get_pass("no-such-pass"), UserError);
  passes::PassOptions options;
  options.passes = passes::passes_for_level(2);
  options.print_after = {"fold-batchnorm"};
  std::string dumped;
  options.print = [&](const std::string &s) { dumped += s; };
  std::vector<passes::PassRecord> records;
  ir::Graph g = conv_bn_relu();
  ir::Graph out = passes::run_passes(g, options, &records);
  ASSERT_EQ(records.size(), options.passes.size());
  auto fold = std::find_if(records.begin(), records.end(),
                           [](const auto &r) { return r.name == "fold-batchnorm"; });
  ASSERT_NE(fold, records.end());
  EXPECT_EQ(fold->nodes_before, 3u);
  EXPECT_EQ(fold->nodes_after, 2u);
  EXPECT_NE(dumped.find("// IR after fold-batchnorm"), std::string::npos);
  expect_same_numbers(g, out);
}

}  // namespace
}  // namespace kiln
