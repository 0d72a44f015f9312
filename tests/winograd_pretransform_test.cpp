// The compile-time Winograd filter transform (passes/pretransform_winograd.h):
// the transform itself against G g GT written out, the pass firing only
// where it is legal (a Winograd conv2d whose weight is a parameter of an
// inference graph), the pretransformed kernel against the reference
// interpreter's plain conv2d of the original weights (odd sizes, padding
// modes, batch, the fused epilogue), weights fed at run time (a graph input:
// the kernel transforms them itself), and a whole model compiled with
// --conv-algo winograd against the reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "frontend/load_model.h"
#include "ir/errors.h"
#include "ir/ops/winograd.h"
#include "ir/verifier.h"
#include "passes/pass_manager.h"
#include "passes/pretransform_winograd.h"
#include "tests/conv_algorithm_check.h"
#include "tests/library_test_util.h"

namespace kiln {
namespace {

using testing::conv_case;
using testing::conv_ints;
using testing::ConvCase;

std::string algo(int m) { return m == 2 ? "winograd_f2" : "winograd_f4"; }

// U[p][q][c][k] = sum_ab G[p][a] g[k][c][a][b] G[q][b], written out.
TEST(WinogradPretransform, TransformIsGgGt) {
  const int64_t K = 3, C = 2;
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> dist(-1, 1);
  std::vector<float> w(K * C * 9);
  for (float &v : w) v = dist(rng);
  for (int m : {2, 4}) {
    const auto &mat = ir::ops::winograd_matrices(m);
    std::vector<float> u = ir::ops::winograd_transform_weights(m, w, K, C);
    ASSERT_EQ(static_cast<int64_t>(u.size()), ir::numel(ir::ops::winograd_weight_shape(m, C, K)));
    for (int p = 0; p < mat.alpha; p++)
      for (int q = 0; q < mat.alpha; q++)
        for (int64_t c = 0; c < C; c++)
          for (int64_t k = 0; k < K; k++) {
            double want = 0;
            for (int a = 0; a < 3; a++)
              for (int b = 0; b < 3; b++)
                want += mat.G[p][a] * w[((k * C + c) * 3 + a) * 3 + b] * mat.G[q][b];
            EXPECT_NEAR(u[((p * mat.alpha + q) * C + c) * K + k], want, 1e-6)
                << "F" << m << " " << p << q << c << k;
          }
  }
  EXPECT_THROW(ir::ops::winograd_transform_weights(4, std::vector<float>(5), K, C),
               std::invalid_argument);
}

// A one-conv graph with `algorithm`, its weights parameters (the frontend's
// form), and the residual as a second graph input when the case has one.
testing::OneNode conv_graph(const ConvCase &c, const std::string &algorithm) {
  uint32_t seed = static_cast<uint32_t>(std::hash<std::string>{}(c.name));
  ir::Attrs a = c.attrs;
  a.set("algorithm", algorithm);
  testing::OneNode g = testing::one_node("conv2d", {c.x}, a, seed);
  if (c.residual) {
    const ir::Shape out = g.graph.value(g.n().outputs[0]).type.shape;
    int r = g.graph.add_input("residual", {ir::DType::F32, out});
    g.graph.nodes[g.node].inputs.push_back(r);
    g.graph.nodes[g.node].attrs.set("has_residual", int64_t{1});
    g.inputs.push_back(testing::random_tensor(out, seed + 4242));
  }
  g.graph.mark_output(g.n().outputs[0]);
  ir::verify_or_throw(g.graph, c.name);
  return g;
}

// The node's input tensors in the pretransformed graph: U replaces the weight.
std::vector<reference::Tensor> inputs_after(const testing::OneNode &before,
                                            const ir::Graph &after) {
  std::vector<reference::Tensor> in = before.inputs;
  const ir::Value &u = after.value(after.node(before.node).inputs[1]);
  in[1] = reference::Tensor(u.type.shape, *u.data);
  return in;
}

std::vector<ConvCase> cases() {
  std::vector<ConvCase> all = testing::winograd_cases();
  // Output channels past a GEMM register block (a K tail).
  all.push_back(conv_case("wide_k_14x14", {1, 16, 14, 14}, 70, 3, 3,
                          {{"padding", ir::AttrValue(std::string("same"))}}));
  return all;
}

class PretransformedConv : public ::testing::TestWithParam<std::tuple<ConvCase, int>> {};

// The pass, then the kernel reading U, against the reference conv2d of the
// original weights; the reference's own evaluation of the pretransformed
// node (float64 Winograd from U) must agree with both.
void check_pretransformed(const ConvCase &c, int m);

TEST_P(PretransformedConv, MatchesReference) {
  try {
    check_pretransformed(std::get<0>(GetParam()), std::get<1>(GetParam()));
  } catch (const Halide::Error &e) {
    FAIL() << "Halide: " << e.what();
  }
}

void check_pretransformed(const ConvCase &c, int m) {
  testing::OneNode g = conv_graph(c, algo(m));
  std::vector<std::string> notes;
  ir::Graph after = passes::pretransform_winograd(g.graph, &notes);
  ir::verify_or_throw(after, c.name);
  const ir::Node &node = after.node(g.node);
  ASSERT_TRUE(ir::ops::weights_pretransformed(node.attrs));
  ASSERT_EQ(after.value(node.inputs[1]).type.shape,
            ir::ops::winograd_weight_shape(m, c.x[1], c.attrs.get_int("filters")));
  ASSERT_EQ(notes.size(), 2u);

  std::vector<const reference::Tensor *> orig_in;
  for (const auto &t : g.inputs) orig_in.push_back(&t);
  const reference::Tensor want = reference::run_node(g.n(), orig_in)[0];

  std::vector<reference::Tensor> in = inputs_after(g, after);
  std::vector<const reference::Tensor *> in_ptrs;
  for (const auto &t : in) in_ptrs.push_back(&t);
  const reference::Tensor ref_u = reference::run_node(node, in_ptrs)[0];
  std::string diff = testing::compare(ref_u, want, 1e-5);
  EXPECT_TRUE(diff.empty()) << "reference from U: " << diff;

  std::vector<ir::TensorType> out_types = {after.value(node.outputs[0]).type};
  codegen::LowerRequest req{node, after.input_types(node), out_types, testing::jit_host()};
  codegen::LoweredKernel k = codegen::lower_node(req);
  EXPECT_NE(k.schedule.find("filter transform at compile time"), std::string::npos) << k.schedule;
  reference::Tensor got = testing::run_lowered(k, in, {out_types[0].shape}, testing::jit_host())[0];
  diff = testing::compare(got, want, m == 2 ? 2e-5 : 1e-4);
  EXPECT_TRUE(diff.empty()) << c.name << " (" << k.schedule << "): " << diff;
}

INSTANTIATE_TEST_SUITE_P(Cases, PretransformedConv,
                         ::testing::Combine(::testing::ValuesIn(cases()), ::testing::Values(2, 4)),
                         [](const auto &info) {
                           return std::get<0>(info.param).name + "_f" +
                                  std::to_string(std::get<1>(info.param));
                         });

// --- where the pass fires ----------------------------------------------------

ConvCase small_case() {
  return conv_case("small", {1, 4, 8, 8}, 6, 3, 3,
                   {{"padding", ir::AttrValue(std::string("same"))}});
}

TEST(PretransformPass, ReplacesTheWeightAndDropsTheOriginal) {
  testing::OneNode g = conv_graph(small_case(), "winograd_f4");
  const std::string weight_name = g.graph.value(g.n().inputs[1]).name;
  std::vector<std::string> notes;
  ir::Graph after = passes::pretransform_winograd(g.graph, &notes);
  EXPECT_EQ(after.find_value(weight_name), -1) << "the original weight is still in the graph";
  const ir::Value &u = after.value(after.node(g.node).inputs[1]);
  EXPECT_EQ(u.kind, ir::ValueKind::Param);
  EXPECT_EQ(u.name, weight_name + ".winograd_f4");
  EXPECT_EQ(u.type.shape, (ir::Shape{6, 6, 4, 6}));
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_NE(notes[0].find("(4x)"), std::string::npos) << notes[0];
  // Idempotent: a second run changes nothing.
  ir::Graph twice = passes::pretransform_winograd(after);
  EXPECT_EQ(twice.value(twice.node(g.node).inputs[1]).name, u.name);
  EXPECT_EQ(twice.param_count(), after.param_count());
}

TEST(PretransformPass, LeavesOtherAlgorithms) {
  for (const std::string a : {"direct", "im2col", "auto"}) {
    testing::OneNode g = conv_graph(small_case(), a);
    ir::Graph after = passes::pretransform_winograd(g.graph);
    EXPECT_FALSE(ir::ops::weights_pretransformed(after.node(g.node).attrs)) << a;
    EXPECT_EQ(after.value(after.node(g.node).inputs[1]).type.shape, (ir::Shape{6, 4, 3, 3})) << a;
  }
}

// A training graph (it has parameter updates): weights change between calls.
TEST(PretransformPass, LeavesTrainingGraphs) {
  testing::OneNode g = conv_graph(small_case(), "winograd_f2");
  const int w = g.n().inputs[1];
  int next = g.graph.add_input("next_weight", g.graph.value(w).type);
  g.graph.updates.push_back({w, next});
  std::vector<std::string> notes;
  ir::Graph after = passes::pretransform_winograd(g.graph, &notes);
  EXPECT_FALSE(ir::ops::weights_pretransformed(after.node(g.node).attrs));
  EXPECT_EQ(after.node(g.node).inputs[1], w);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("training graph"), std::string::npos) << notes[0];
}

// Weights fed at run time (a graph input, not a parameter): the pass leaves
// the conv alone and the kernel transforms whatever weights each call gets.
TEST(PretransformPass, WeightsFedAtRunTimeStayInKernel) {
  ConvCase c = small_case();
  ir::Attrs a = c.attrs;
  a.set("algorithm", std::string("winograd_f4"));
  ir::Graph g;
  int x = g.add_input("x", {ir::DType::F32, c.x});
  int w = g.add_input("w", {ir::DType::F32, {6, 4, 3, 3}});
  a.set("use_bias", int64_t{0});
  int node = g.add_node("conv2d", "conv", {x, w}, a);
  g.mark_output(g.node(node).outputs[0]);
  ir::Graph after = passes::pretransform_winograd(g);
  ASSERT_FALSE(ir::ops::weights_pretransformed(after.node(node).attrs));

  const ir::Node &n = after.node(node);
  std::vector<ir::TensorType> out_types = {after.value(n.outputs[0]).type};
  codegen::LowerRequest req{n, after.input_types(n), out_types, testing::jit_host()};
  codegen::LoweredKernel k = codegen::lower_node(req);
  // Two different weight tensors through the same kernel.
  for (uint32_t seed : {5u, 6u}) {
    std::vector<reference::Tensor> in = {testing::random_tensor(c.x, seed),
                                         testing::random_tensor({6, 4, 3, 3}, seed + 100)};
    std::vector<const reference::Tensor *> ptrs = {&in[0], &in[1]};
    reference::Tensor want = reference::run_node(n, ptrs)[0];
    reference::Tensor got =
        testing::run_lowered(k, in, {out_types[0].shape}, testing::jit_host())[0];
    std::string diff = testing::compare(got, want, 1e-4);
    EXPECT_TRUE(diff.empty()) << "seed " << seed << ": " << diff;
  }
}

std::string error_of(const std::function<void()> &f) {
  try {
    f();
  } catch (const std::exception &e) {
    return e.what();
  }
  return "";
}

// The attribute is validated: it needs a Winograd algorithm and U's shape.
TEST(PretransformPass, MisuseIsRefused) {
  testing::OneNode g = conv_graph(small_case(), "winograd_f4");
  ir::Graph after = passes::pretransform_winograd(g.graph);
  ir::Graph wrong_algo = after;
  wrong_algo.nodes[g.node].attrs.set("algorithm", std::string("direct"));
  std::string e = error_of([&] { ir::verify_or_throw(wrong_algo, "test"); });
  EXPECT_NE(e.find("weights_pretransformed needs algorithm winograd_f2 or winograd_f4"),
            std::string::npos)
      << e;
  ir::Graph wrong_tile = after;  // F2 over F4's U (6x6 instead of 4x4)
  wrong_tile.nodes[g.node].attrs.set("algorithm", std::string("winograd_f2"));
  e = error_of([&] { ir::verify_or_throw(wrong_tile, "test"); });
  EXPECT_NE(e.find("Winograd-transformed weight"), std::string::npos) << e;
  ir::Graph unmarked = g.graph;  // the plain conv with U's shape
  unmarked.values[unmarked.node(g.node).inputs[1]].type.shape = {6, 6, 4, 6};
  EXPECT_FALSE(error_of([&] { ir::verify_or_throw(unmarked, "test"); }).empty());
}

// --- a whole model --------------------------------------------------------

// tiny_resnet at -O2 with --conv-algo winograd: every 3x3 stride-1 conv
// (stem, conv_a, conv_b; batch 2, BN folded into the weights first, fused
// epilogues) is pretransformed, compiled into a library and run.
TEST(PretransformModel, TinyResnetWithWinogradMatchesReference) {
  ir::Graph model = frontend::load_model(testing::source_path("examples/tiny_resnet.json"));
  passes::PassOptions o;
  o.passes = passes::passes_for_level(2);
  o.conv_algo.mode = "winograd";
  std::vector<passes::PassRecord> records;
  ir::Graph g = passes::run_passes(model, o, &records);
  int pretransformed = 0;
  for (const ir::Node &n : g.nodes) pretransformed += ir::ops::weights_pretransformed(n.attrs);
  EXPECT_EQ(pretransformed, 3);
  auto rec = std::find_if(records.begin(), records.end(),
                          [](const auto &r) { return r.name == "pretransform-winograd"; });
  ASSERT_NE(rec, records.end());
  ASSERT_FALSE(rec->notes.empty());
  EXPECT_NE(rec->notes.back().find("3 convs pretransformed"), std::string::npos)
      << rec->notes.back();

  std::vector<reference::Tensor> inputs = testing::random_graph_inputs(model, 21);
  std::vector<reference::Tensor> want = reference::run_graph(model, inputs);
  // The reference of the optimized graph (Winograd from U in float64) too.
  testing::expect_close_to_scale(reference::run_graph(g, inputs), want, 1e-5,
                                 "reference, pretransformed graph");
  testing::expect_close_to_scale(testing::run_compiled(g, inputs), want, 1e-4,
                                 "compiled, pretransformed graph");
}

}  // namespace
}  // namespace kiln
