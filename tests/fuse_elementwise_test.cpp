// fuse-elementwise: graphs before and after as printed IR (golden text), the
// cases that must not fuse, the numbers before and after on the reference
// interpreter, the fused_elementwise op's program checks, and compiled
// libraries with and without the pass against the reference.
//
// Tolerances: on the reference the fused program runs in double where the
// unfused graph rounds to float after each node, and a batch norm becomes a
// scale and shift rounded to float: |a - b| <= 1e-5 * (1 + |b|). Compiled
// kernels (float32, vectorized exp): 1e-4 * (1 + |b|).
#include "passes/fuse_elementwise.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "ir/errors.h"
#include "ir/ops/fused_elementwise.h"
#include "ir/printer.h"
#include "ir/verifier.h"
#include "passes/pass_manager.h"
#include "reference/interpreter.h"
#include "tests/graph_builder.h"
#include "tests/library_test_util.h"
#include "tests/test_util.h"

namespace kiln {
namespace {

using testing::expect_close;
using testing::expect_same_numbers;
using testing::GraphBuilder;
using testing::random_inputs;

void expect_unchanged(const ir::Graph &g) {
  EXPECT_EQ(ir::print_graph(passes::fuse_elementwise(g)), ir::print_graph(g));
}

int count_op(const ir::Graph &g, const std::string &op) {
  int n = 0;
  for (const auto &node : g.nodes) n += node.op == op;
  return n;
}

// DenseNet's pre-activation: batch_norm -> relu -> conv. The batch norm
// follows no conv, so fold-batchnorm leaves it; here it becomes a per-channel
// scale and shift in the same kernel as the relu.
ir::Graph bn_relu_conv(ir::Shape shape) {
  GraphBuilder b("pre");
  int x = b.input("x", shape);
  int r = b.node("relu", "relu", {b.batch_norm("bn", x)});
  b.output(b.conv("conv", r, 2, 1, false));
  return b.g;
}

TEST(FuseElementwise, BatchNormReluBecomesScaleShiftRelu) {
  ir::Graph g = bn_relu_conv({1, 3, 4, 4});
  ir::Graph fused = passes::fuse_elementwise(g);
  EXPECT_EQ(ir::print_graph(fused),
            "graph pre {\n"
            "  input x: f32[1x3x4x4]\n"
            "  param conv.weight: f32[2x3x1x1]\n"
            "  param bn.scale: f32[3]\n"
            "  param bn.shift: f32[3]\n"
            "  relu = fused_elementwise(x, bn.scale, bn.shift) "
            "{program=\"scale_shift(x0,x1,x2); relu(t0)\"} : f32[1x3x4x4]\n"
            "  conv = conv2d(relu, conv.weight) {dilation=[1,1], filters=2, groups=1, "
            "kernel=[1,1], padding=\"valid\", padding_mode=\"zeros\", stride=[1,1], use_bias=0} "
            ": f32[1x2x4x4]\n"
            "  output conv\n"
            "}\n");
  expect_same_numbers(g, fused);
}

// A small DAG: s = a + b feeds a relu and a sigmoid, which are added and
// passed through tanh. Every intermediate has readers only inside the group.
ir::Graph diamond(ir::Shape shape = {2, 3, 5}) {
  GraphBuilder b("diamond");
  int a = b.input("a", shape), c = b.input("b", shape);
  int s = b.node("add", "sum", {a, c});
  int m = b.node("add", "mix", {b.node("relu", "r", {s}), b.node("sigmoid", "g", {s})});
  b.output(b.node("tanh", "out", {m}));
  return b.g;
}

TEST(FuseElementwise, DiamondBecomesOneNode) {
  ir::Graph g = diamond();
  ir::Graph fused = passes::fuse_elementwise(g);
  EXPECT_EQ(ir::print_graph(fused),
            "graph diamond {\n"
            "  input a: f32[2x3x5]\n"
            "  input b: f32[2x3x5]\n"
            "  out = fused_elementwise(a, b) "
            "{program=\"add(x0,x1); relu(t0); sigmoid(t0); add(t1,t2); tanh(t3)\"} : f32[2x3x5]\n"
            "  output out\n"
            "}\n");
  expect_same_numbers(g, fused);
}

// An intermediate that is a graph output, or that a non-elementwise node
// reads, ends a group: it is not computed twice.
TEST(FuseElementwise, IntermediateReadOutsideEndsTheGroup) {
  GraphBuilder b("t");
  int a = b.input("a", {1, 2, 3, 3});
  int s = b.node("add", "sum", {a, a});
  int r = b.node("relu", "r", {s});
  int q = b.node("sigmoid", "q", {r});
  b.output(s);  // sum is also a result
  b.output(b.node("tanh", "t", {q}));
  b.output(b.node("global_max_pool", "pool", {r}));  // relu read by a non-elementwise node
  ir::Graph fused = passes::fuse_elementwise(b.g);
  EXPECT_EQ(ir::print_graph(fused),
            "graph t {\n"
            "  input a: f32[1x2x3x3]\n"
            "  sum = add(a, a) : f32[1x2x3x3]\n"
            "  r = relu(sum) : f32[1x2x3x3]\n"
            "  t = fused_elementwise(r) {program=\"sigmoid(x0); tanh(t0)\"} : f32[1x2x3x3]\n"
            "  pool = global_max_pool(r) : f32[1x2x1x1]\n"
            "  output sum\n"
            "  output t\n"
            "  output pool\n"
            "}\n");
  expect_same_numbers(b.g, fused);
}

// Activations keep their attributes; sub, mul and div fuse like add, but a
// broadcasting operand keeps its node apart.
TEST(FuseElementwise, AttributesAndOtherBinaryOps) {
  GraphBuilder b("t");
  int x = b.input("x", {2, 6}), y = b.input("y", {2, 6}), row = b.input("row", {6});
  ir::Attrs alpha;
  alpha.set("alpha", 0.2);
  int d = b.node("div", "d", {b.node("mul", "m", {b.node("sub", "s", {x, y}), y}), x});
  int l = b.node("leaky_relu", "l", {d}, alpha);
  int broadcast = b.node("add", "bias", {l, row});
  b.output(b.node("elu", "out", {broadcast}));
  ir::Graph fused = passes::fuse_elementwise(b.g);
  EXPECT_EQ(
      ir::print_graph(fused),
      "graph t {\n"
      "  input x: f32[2x6]\n"
      "  input y: f32[2x6]\n"
      "  input row: f32[6]\n"
      "  l = fused_elementwise(x, y) "
      "{program=\"sub(x0,x1); mul(t0,x1); div(t1,x0); leaky_relu[alpha=0.2](t2)\"} : f32[2x6]\n"
      "  bias = add(l, row) : f32[2x6]\n"
      "  out = elu(bias) {alpha=1} : f32[2x6]\n"
      "  output out\n"
      "}\n");
  expect_same_numbers(b.g, fused);
}

TEST(FuseElementwise, SingleNodesAndOtherOpsStay) {
  GraphBuilder single("single");
  int in = single.input("x", {2, 4});
  single.output(single.node("softmax", "sm", {single.node("relu", "r", {in})}));
  expect_unchanged(single.g);
  // A batch norm with activation statistics is no scale and shift.
  GraphBuilder b("stats");
  int x = b.input("x", {1, 2, 3});
  int mean = b.input("mean", {2});
  ir::Attrs eps;
  eps.set("epsilon", 1e-5);
  int bn = b.node(
      "batch_norm", "bn",
      {x, b.param("gamma", {2}), b.param("beta", {2}), mean, b.param("var", {2}, 0.5, 1)}, eps);
  b.output(b.node("relu", "r", {bn}));
  expect_unchanged(b.g);
}

TEST(FuseElementwise, RunsAfterFuseEpilogueInTheLevels) {
  for (int level : {1, 2}) {
    auto names = passes::passes_for_level(level);
    auto at = [&](const std::string &n) { return std::find(names.begin(), names.end(), n); };
    ASSERT_NE(at("fuse-elementwise"), names.end());
    EXPECT_LT(at("fuse-epilogue"), at("fuse-elementwise"));
  }
  // A residual add whose addends both come from elementwise nodes is no
  // conv epilogue; fuse-elementwise takes it.
  ir::Graph g = diamond();
  passes::PassOptions options;
  options.passes = passes::passes_for_level(2);
  std::vector<passes::PassRecord> records;
  ir::Graph out = passes::run_passes(g, options, &records);
  EXPECT_EQ(out.nodes.size(), 1u);
  auto record = std::find_if(records.begin(), records.end(),
                             [](const auto &r) { return r.name == "fuse-elementwise"; });
  ASSERT_NE(record, records.end());
  EXPECT_EQ(
      record->op_changes,
      (std::map<std::string, int>{
          {"add", -2}, {"fused_elementwise", 1}, {"relu", -1}, {"sigmoid", -1}, {"tanh", -1}}));
}

TEST(FusedElementwiseOp, ProgramErrorsSayWhatIsWrong) {
  auto message = [](const std::string &program, size_t inputs) {
    try {
      ir::ops::parse_program(program, inputs);
    } catch (const UserError &e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message("relu(x0); softmax(t0)", 1),
            "program step 1 'softmax(t0)': 'softmax' is not an elementwise step (add, sub, mul, "
            "div, scale_shift or a scalar activation)");
  EXPECT_EQ(message("leaky_relu[alpha=x](x0)", 1),
            "program step 0 'leaky_relu[alpha=x](x0)': attribute 'alpha=x' is not name=number");
  EXPECT_EQ(message("relu[alpha=1](x0)", 1),
            "program step 0 'relu[alpha=1](x0)': relu has no attribute 'alpha'");
  EXPECT_EQ(message("add[alpha=1](x0,x0)", 1),
            "program step 0 'add[alpha=1](x0,x0)': add takes no attributes");
  EXPECT_EQ(message("add(x0)", 1), "program step 0 'add(x0)': add takes 2 operands, got 1");
  EXPECT_EQ(message("relu(t0)", 1),
            "program step 0 'relu(t0)': operand 't0' refers to a step that is not computed yet (1 "
            "inputs)");
  EXPECT_EQ(message("relu(x0)", 2), "input x1 is read by no step");
  EXPECT_EQ(message("relu(x0); scale_shift(x0,t0,x1)", 2),
            "program step 1 'scale_shift(x0,t0,x1)': the scale and shift of scale_shift must be "
            "inputs");
  EXPECT_EQ(message("scale_shift(x0,x1,x1); add(t0,x1)", 2),
            "input x1 is read both per channel and as a whole tensor");
  EXPECT_EQ(message("", 1), "the program has no steps");
  EXPECT_EQ(ir::ops::print_program(ir::ops::parse_program(" add( x0 ,x1 );relu(t0)", 2)),
            "add(x0,x1); relu(t0)");
  // Attributes print in full (defaults filled in) and read back exactly.
  EXPECT_EQ(ir::ops::print_program(ir::ops::parse_program("elu(x0); leaky_relu[alpha=0.1](t0)", 1)),
            "elu[alpha=1](x0); leaky_relu[alpha=0.1](t0)");
  auto p = ir::ops::parse_program("leaky_relu[alpha=0.123456789012345678](x0)", 1);
  EXPECT_EQ(ir::ops::parse_program(ir::ops::print_program(p), 1).steps[0].attrs.get_float("alpha"),
            0.123456789012345678);
}

TEST(FusedElementwiseOp, ShapeRuleAndCost) {
  ir::Graph g;
  int x = g.add_input("x", {ir::DType::F32, {2, 3, 4}});
  int s = g.add_param("s", {ir::DType::F32, {3}}, std::vector<float>(3, 1.0f));
  int wrong = g.add_param("w", {ir::DType::F32, {4}}, std::vector<float>(4, 1.0f));
  ir::Attrs a;
  a.set("program", std::string("scale_shift(x0,x1,x2); sigmoid(t0)"));
  int n = g.add_node("fused_elementwise", "f", {x, s, s}, a);
  const ir::OpDef &def = ir::get_op("fused_elementwise");
  ir::TensorType out = g.value(g.node(n).outputs[0]).type;
  // scale_shift 2 flops per element, sigmoid what the sigmoid op costs.
  int64_t sigmoid = ir::get_op("sigmoid").cost({}, {out}, {out}).flops;
  EXPECT_EQ(def.cost(g.node(n).attrs, g.input_types(g.node(n)), {out}).flops, 2 * 24 + sigmoid);
  try {
    g.add_node("fused_elementwise", "bad", {x, wrong, s}, a);
    ADD_FAILURE() << "a wrong per-channel shape was accepted";
  } catch (const UserError &e) {
    EXPECT_EQ(std::string(e.what()),
              "node 'bad' (fused_elementwise): input x1 must have shape 3, got 4");
  }
}

// The compiled library computes what the reference does, with the pass and
// without it (-O0). Shapes with odd extents exercise the vector tails; the
// channel view and the 1-D view are both used.
TEST(FuseElementwise, CompiledWithAndWithoutThePassMatchesReference) {
  // 71121 elements: parallel chunks with a partial last chunk and vector tail.
  for (ir::Graph g : {bn_relu_conv({2, 5, 9, 7}), diamond({1, 3, 151, 157})}) {
    auto inputs = random_inputs(g);
    auto want = reference::run_graph(g, inputs);
    ir::Graph fused = passes::fuse_elementwise(g);
    EXPECT_EQ(count_op(fused, "fused_elementwise"), 1);
    expect_close(testing::run_compiled(g, inputs), want, 1e-4);
    expect_close(testing::run_compiled(fused, inputs), want, 1e-4);
  }
}

}  // namespace
}  // namespace kiln
