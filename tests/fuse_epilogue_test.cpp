// fuse-epilogue: each pattern's graph before and after as printed IR (golden
// text), the cases that must not fuse, and the numbers before and after on the
// reference interpreter; plus the shape rule and the JSON spec for the
// epilogue attributes.
//
// Numeric tolerance: the fused reference keeps the accumulator in double
// through the epilogue where the unfused graph rounds to float after each
// node, so outputs agree to |a - b| <= 1e-5 * (1 + |b|); 1e-4 after
// fold-batchnorm, which also rounds the folded weights.
#include "passes/fuse_epilogue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "frontend/json/json_spec.h"
#include "ir/errors.h"
#include "ir/printer.h"
#include "ir/verifier.h"
#include "passes/fold_batchnorm.h"
#include "passes/pass_manager.h"
#include "reference/interpreter.h"
#include "tests/graph_builder.h"

namespace kiln {
namespace {

using testing::expect_same_numbers;
using testing::GraphBuilder;

// The pass leaves `g` as it is, to the printed character.
void expect_unchanged(const ir::Graph &g) {
  EXPECT_EQ(ir::print_graph(passes::fuse_epilogue(g)), ir::print_graph(g));
}

TEST(FuseEpilogue, ConvRelu) {
  GraphBuilder b("t");
  int x = b.input("x", {1, 2, 4, 4});
  int c = b.conv("conv", x, 3, 3, true);
  b.node("max_pool2d", "pool", {b.node("relu", "act", {c})}, [] {
    ir::Attrs a;
    a.set("kernel", std::vector<int64_t>{2, 2});
    return a;
  }());
  b.output(b.g.find_value("pool"));
  ir::Graph fused = passes::fuse_epilogue(b.g);
  EXPECT_EQ(ir::print_graph(fused),
            "graph t {\n"
            "  input x: f32[1x2x4x4]\n"
            "  param conv.weight: f32[3x2x3x3]\n"
            "  param conv.bias: f32[3]\n"
            "  conv = conv2d(x, conv.weight, conv.bias) {activation=\"relu\", dilation=[1,1], "
            "filters=3, groups=1, kernel=[3,3], padding=\"same\", padding_mode=\"zeros\", "
            "stride=[1,1], use_bias=1} : f32[1x3x4x4]\n"
            "  pool = max_pool2d(conv) {ceil_mode=0, kernel=[2,2], padding=\"valid\"} "
            ": f32[1x3x2x2]\n"
            "  output pool\n"
            "}\n");
  expect_same_numbers(b.g, fused);
}

TEST(FuseEpilogue, DenseTanhGraphOutputKeepsItsName) {
  GraphBuilder b("t");
  int x = b.input("x", {2, 5});
  b.output(b.node("tanh", "out", {b.dense("fc", x, 3)}));
  ir::Graph fused = passes::fuse_epilogue(b.g);
  EXPECT_EQ(ir::print_graph(fused),
            "graph t {\n"
            "  input x: f32[2x5]\n"
            "  param fc.weight: f32[3x5]\n"
            "  param fc.bias: f32[3]\n"
            "  out = dense(x, fc.weight, fc.bias) {activation=\"tanh\", units=3, use_bias=1} "
            ": f32[2x3]\n"
            "  output out\n"
            "}\n");
  expect_same_numbers(b.g, fused);
}

TEST(FuseEpilogue, ConvBatchNormReluAfterFoldBatchnorm) {
  GraphBuilder b("t");
  int x = b.input("x", {1, 3, 5, 5});
  int c = b.conv("conv", x, 4, 3, /*bias=*/false);
  b.output(b.node("relu", "act", {b.batch_norm("bn", c)}));
  ir::Graph fused = passes::fuse_epilogue(passes::fold_batchnorm(b.g));
  EXPECT_EQ(ir::print_graph(fused),
            "graph t {\n"
            "  input x: f32[1x3x5x5]\n"
            "  param conv.weight: f32[4x3x3x3]\n"
            "  param conv.bias: f32[4]\n"
            "  act = conv2d(x, conv.weight, conv.bias) {activation=\"relu\", dilation=[1,1], "
            "filters=4, groups=1, kernel=[3,3], padding=\"same\", padding_mode=\"zeros\", "
            "stride=[1,1], use_bias=1} : f32[1x4x5x5]\n"
            "  output act\n"
            "}\n");
  expect_same_numbers(b.g, fused, 1e-4);
}

// x -> conv_a -> relu -> conv_b -> add(shortcut x) -> relu: the tail of a
// ResNet basic block becomes two convs.
ir::Graph basic_block(bool shortcut_first) {
  GraphBuilder b("block");
  int x = b.input("x", {1, 4, 6, 6});
  int a = b.node("relu", "relu_a", {b.conv("conv_a", x, 4, 3, true)});
  int c = b.conv("conv_b", a, 4, 3, /*bias=*/false);
  int sum = b.node("add", "sum", shortcut_first ? std::vector<int>{x, c} : std::vector<int>{c, x});
  b.output(b.node("relu", "out", {sum}));
  return b.g;
}

TEST(FuseEpilogue, ResNetBasicBlockTail) {
  EXPECT_EQ(ir::print_graph(basic_block(false)),
            "graph block {\n"
            "  input x: f32[1x4x6x6]\n"
            "  param conv_a.weight: f32[4x4x3x3]\n"
            "  param conv_a.bias: f32[4]\n"
            "  param conv_b.weight: f32[4x4x3x3]\n"
            "  conv_a = conv2d(x, conv_a.weight, conv_a.bias) {dilation=[1,1], filters=4, "
            "groups=1, kernel=[3,3], padding=\"same\", padding_mode=\"zeros\", stride=[1,1], "
            "use_bias=1} : f32[1x4x6x6]\n"
            "  relu_a = relu(conv_a) : f32[1x4x6x6]\n"
            "  conv_b = conv2d(relu_a, conv_b.weight) {dilation=[1,1], filters=4, groups=1, "
            "kernel=[3,3], padding=\"same\", padding_mode=\"zeros\", stride=[1,1], use_bias=0} "
            ": f32[1x4x6x6]\n"
            "  sum = add(conv_b, x) : f32[1x4x6x6]\n"
            "  out = relu(sum) : f32[1x4x6x6]\n"
            "  output out\n"
            "}\n");
  for (bool shortcut_first : {false, true}) {
    SCOPED_TRACE(shortcut_first ? "add(shortcut, conv)" : "add(conv, shortcut)");
    ir::Graph g = basic_block(shortcut_first);
    ir::Graph fused = passes::fuse_epilogue(g);
    EXPECT_EQ(ir::print_graph(fused),
              "graph block {\n"
              "  input x: f32[1x4x6x6]\n"
              "  param conv_a.weight: f32[4x4x3x3]\n"
              "  param conv_a.bias: f32[4]\n"
              "  param conv_b.weight: f32[4x4x3x3]\n"
              "  conv_a = conv2d(x, conv_a.weight, conv_a.bias) {activation=\"relu\", "
              "dilation=[1,1], filters=4, groups=1, kernel=[3,3], padding=\"same\", "
              "padding_mode=\"zeros\", stride=[1,1], use_bias=1} : f32[1x4x6x6]\n"
              "  out = conv2d(conv_a, conv_b.weight, x) {dilation=[1,1], filters=4, groups=1, "
              "has_residual=1, kernel=[3,3], padding=\"same\", padding_mode=\"zeros\", "
              "post_activation=\"relu\", stride=[1,1], use_bias=0} : f32[1x4x6x6]\n"
              "  output out\n"
              "}\n");
    expect_same_numbers(g, fused);
  }
}

// Every step at once, with a parameter as the residual: sigmoid, + R, tanh.
TEST(FuseEpilogue, ActivationResidualParameterAndPostActivation) {
  GraphBuilder b("t");
  int x = b.input("x", {3, 4});
  int r = b.param("r", {3, 2});
  int s = b.node("sigmoid", "s", {b.dense("fc", x, 2)});
  int sum = b.node("add", "sum", {r, s});
  b.output(b.node("tanh", "t", {sum}));
  ir::Graph fused = passes::fuse_epilogue(b.g);
  EXPECT_EQ(ir::print_graph(fused),
            "graph t {\n"
            "  input x: f32[3x4]\n"
            "  param r: f32[3x2]\n"
            "  param fc.weight: f32[2x4]\n"
            "  param fc.bias: f32[2]\n"
            "  t = dense(x, fc.weight, fc.bias, r) {activation=\"sigmoid\", has_residual=1, "
            "post_activation=\"tanh\", units=2, use_bias=1} : f32[3x2]\n"
            "  output t\n"
            "}\n");
  expect_same_numbers(b.g, fused);
}

// A projection shortcut computed after the body: the body's conv cannot take
// it as a residual (it is not yet computed), but the projection conv takes
// the body as its own.
TEST(FuseEpilogue, ResidualMustBeComputedBeforeTheLayer) {
  GraphBuilder b("t");
  int x = b.input("x", {1, 2, 5, 5});
  int body = b.conv("body", x, 3, 3, true);
  int proj = b.conv("proj", x, 3, 3, true);
  b.output(b.node("relu", "out", {b.node("add", "sum", {body, proj})}));
  ir::Graph fused = passes::fuse_epilogue(b.g);
  EXPECT_EQ(ir::print_graph(fused),
            "graph t {\n"
            "  input x: f32[1x2x5x5]\n"
            "  param body.weight: f32[3x2x3x3]\n"
            "  param body.bias: f32[3]\n"
            "  param proj.weight: f32[3x2x3x3]\n"
            "  param proj.bias: f32[3]\n"
            "  body = conv2d(x, body.weight, body.bias) {dilation=[1,1], filters=3, groups=1, "
            "kernel=[3,3], padding=\"same\", padding_mode=\"zeros\", stride=[1,1], use_bias=1} "
            ": f32[1x3x5x5]\n"
            "  out = conv2d(x, proj.weight, proj.bias, body) {dilation=[1,1], filters=3, "
            "groups=1, has_residual=1, kernel=[3,3], padding=\"same\", padding_mode=\"zeros\", "
            "post_activation=\"relu\", stride=[1,1], use_bias=1} : f32[1x3x5x5]\n"
            "  output out\n"
            "}\n");
  expect_same_numbers(b.g, fused);

  // The other addend is produced after the conv by a node that is no layer:
  // nothing fuses.
  GraphBuilder late("t");
  int in = late.input("x", {1, 2, 5, 5});
  int c = late.conv("conv", in, 2, 3, true);
  int after = late.node("sigmoid", "after", {in});
  late.output(late.node("add", "sum", {c, after}));
  expect_unchanged(late.g);
}

TEST(FuseEpilogue, TwoReadersDoNotFuse) {
  GraphBuilder b("t");
  int x = b.input("x", {1, 2, 4, 4});
  int c = b.conv("conv", x, 2, 3, true);
  b.output(b.node("relu", "r", {c}));
  b.output(b.node("sigmoid", "s", {c}));
  expect_unchanged(b.g);

  GraphBuilder twice("t");  // add(conv, conv): two reads of one value
  int y = twice.conv("conv", twice.input("x", {1, 2, 4, 4}), 2, 3, true);
  twice.output(twice.node("add", "sum", {y, y}));
  expect_unchanged(twice.g);

  GraphBuilder after_add("t");  // the add's output is read twice: post_activation stays out
  int in = after_add.input("x", {1, 2, 4, 4});
  int sum = after_add.node("add", "sum", {after_add.conv("conv", in, 2, 3, true), in});
  after_add.output(after_add.node("relu", "r", {sum}));
  after_add.output(after_add.node("tanh", "t", {sum}));
  ir::Graph fused = passes::fuse_epilogue(after_add.g);
  ASSERT_EQ(fused.nodes.size(), 3u);
  EXPECT_EQ(ir::print_graph(fused).find("post_activation"), std::string::npos);
  expect_same_numbers(after_add.g, fused);
}

TEST(FuseEpilogue, GraphOutputInTheMiddleDoesNotFuse) {
  GraphBuilder b("t");
  int x = b.input("x", {1, 2, 4, 4});
  int c = b.conv("conv", x, 2, 3, true);
  b.output(c);
  b.output(b.node("relu", "r", {c}));
  expect_unchanged(b.g);

  GraphBuilder mid("t");  // the activation is an output: the residual add stays out
  int in = mid.input("x", {1, 2, 4, 4});
  int r = mid.node("relu", "r", {mid.conv("conv", in, 2, 3, true)});
  mid.output(r);
  mid.output(mid.node("add", "sum", {r, in}));
  ir::Graph fused = passes::fuse_epilogue(mid.g);
  ASSERT_EQ(fused.nodes.size(), 2u);
  EXPECT_EQ(fused.node(1).op, "add");
  EXPECT_EQ(fused.value(fused.outputs[0]).name, "r");
  expect_same_numbers(mid.g, fused);
}

// One activation per slot: a second activation before any residual, or a
// third after post_activation, stays a node of its own.
TEST(FuseEpilogue, OneActivationPerSlot) {
  GraphBuilder b("t");
  int x = b.input("x", {1, 2, 4, 4});
  int r = b.node("relu", "r", {b.conv("conv", x, 2, 3, true)});
  b.output(b.node("sigmoid", "s", {r}));
  ir::Graph fused = passes::fuse_epilogue(b.g);
  ASSERT_EQ(fused.nodes.size(), 2u);
  EXPECT_EQ(fused.node(1).op, "sigmoid");
  expect_same_numbers(b.g, fused);

  ir::Graph block = basic_block(false);
  GraphBuilder more("t");
  more.g = block;
  more.output(more.node("tanh", "t", {block.outputs[0]}));
  more.g.outputs.erase(more.g.outputs.begin());
  ir::Graph fused_block = passes::fuse_epilogue(more.g);
  ASSERT_EQ(fused_block.nodes.size(), 3u);
  EXPECT_EQ(fused_block.node(2).op, "tanh");
  expect_same_numbers(more.g, fused_block);
}

TEST(FuseEpilogue, RunsInTheOptimizationLevels) {
  for (int level : {1, 2}) {
    auto names = passes::passes_for_level(level);
    auto at = [&](const std::string &n) { return std::find(names.begin(), names.end(), n); };
    ASSERT_NE(at("fuse-epilogue"), names.end());
    EXPECT_LT(at("fold-batchnorm"), at("fuse-epilogue"));
    EXPECT_LT(at("fuse-epilogue"), at("eliminate-dead-nodes"));
  }
  passes::PassOptions options;
  options.passes = passes::passes_for_level(2);
  ir::Graph g = basic_block(false);
  ir::Graph out = passes::run_passes(g, options);
  EXPECT_EQ(out.nodes.size(), 2u);
  expect_same_numbers(g, out);
}

// The shape rule checks the residual; its messages say what is wrong.
TEST(FuseEpilogue, ShapeRuleChecksTheResidual) {
  GraphBuilder b("t");
  int x = b.input("x", {1, 2, 4, 4});
  int w = b.param("w", {3, 2, 3, 3});
  ir::Attrs a;
  a.set("filters", int64_t{3});
  a.set("kernel", std::vector<int64_t>{3, 3});
  a.set("use_bias", int64_t{0});
  a.set("has_residual", int64_t{1});
  auto message = [&](std::vector<int> in) {
    try {
      b.g.add_node("conv2d", "c" + std::to_string(in.size()), in, a);
    } catch (const UserError &e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message({x, w}), "node 'c2' (conv2d): has_residual is set but no residual is given");
  EXPECT_EQ(message({x, w, x}),
            "node 'c3' (conv2d): the residual must have the output's shape 1x3x2x2, got "
            "1x2x4x4");
  a.set("activation", std::string("gelu"));
  EXPECT_NE(message({x, w, x}).find("expected one of none, relu, sigmoid, tanh"),
            std::string::npos);
}

// The epilogue attributes are made by the pass, never written in a spec.
TEST(FuseEpilogue, JsonSpecRejectsEpilogueAttributes) {
  for (std::string field : {"has_residual", "post_activation"}) {
    std::string spec = R"({"name": "m", "input": {"name": "x", "shape": [1, 2, 4, 4]},
      "layers": [{"type": "conv2d", "filters": 2, "kernel": 3, ")" +
                       field + R"(": 1}]})";
    try {
      frontend::parse_json_spec(spec, "m.json", ".");
      ADD_FAILURE() << field << " was accepted";
    } catch (const UserError &e) {
      std::string message = e.what();
      EXPECT_NE(message.find("layers[0]." + field), std::string::npos) << message;
      EXPECT_NE(message.find("unknown field"), std::string::npos) << message;
    }
  }
}

}  // namespace
}  // namespace kiln
