// The scalar activations beyond relu, sigmoid and tanh (elu, selu, swish,
// mish, softplus, leaky_relu, relu6, hard_sigmoid, hard_swish, softsign,
// clip): one table per side, the reference's math, the compiled kernels, and
// the fused conv2d / dense epilogue with the activations' attributes.
//
// Tolerances:
//   reference vs closed forms evaluated here in long double (written apart
//     from reference/ops/scalar_activations.cpp, PyTorch's definitions):
//     |ref - want| <= 1e-12 |want| + 1e-300 (+ 1e-15 for hard_sigmoid and
//     hard_swish, which cancel at their clamp edges); published values to 1e-15;
//   compiled (float32) vs reference on random tensors:
//     |got - want| <= 1e-5 (1 + |want|);
//   compiled vs reference on hand-picked points (0, +-1e-4, saturation,
//     overflow of exp in float): |got - want| <= 4e-6 |want| + 1e-30 for the
//     smooth activations, so a formula that loses relative precision (exp(x)
//     - 1 near 0, log(1 + tiny)) fails;
//   fused epilogues vs reference: 1e-4 (1 + |want|) (float accumulation);
//   fuse-epilogue before vs after on the reference: 1e-5 (1 + |want|).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "codegen/ops/activation_exprs.h"
#include "codegen/ops/lower_util.h"
#include "frontend/json/json_spec.h"
#include "ir/errors.h"
#include "ir/ops/epilogue.h"
#include "ir/ops/scalar_activations.h"
#include "ir/printer.h"
#include "ir/verifier.h"
#include "passes/fuse_epilogue.h"
#include "reference/interpreter.h"
#include "reference/ops/scalar_activations.h"
#include "tests/codegen_test_util.h"

namespace kiln {
namespace {

using LD = long double;

const Halide::Target &host() {
  static const Halide::Target t = Halide::get_jit_target_from_environment();
  return t;
}

ir::Attrs attrs(std::initializer_list<std::pair<const char *, ir::AttrValue>> kv) {
  ir::Attrs a;
  for (const auto &[k, v] : kv) a.set(k, v);
  return a;
}

const std::vector<std::string> kNewActivations = {
    "elu",   "selu",         "swish",      "mish",     "softplus", "leaky_relu",
    "relu6", "hard_sigmoid", "hard_swish", "softsign", "clip"};

// ------------------------------------------------------------ one table per side

TEST(ScalarActivationTable, EverySideListsTheSameActivations) {
  const std::vector<std::string> ir_names = ir::ops::scalar_activation_names();
  EXPECT_EQ(reference::ops::reference_scalar_activation_names(), ir_names);
  EXPECT_EQ(codegen::ops::codegen_scalar_activation_names(), ir_names);
  for (const std::string &name : kNewActivations) {
    EXPECT_NE(std::find(ir_names.begin(), ir_names.end(), name), ir_names.end()) << name;
    EXPECT_NE(ir::find_op(name), nullptr) << name << " is not an op";
    EXPECT_TRUE(ir::ops::is_epilogue_activation(name)) << name;
  }
  EXPECT_FALSE(ir::ops::is_epilogue_activation("softmax"));
}

TEST(ScalarActivationTable, SharedAttributeNamesHaveOneKind) {
  for (const ir::AttrSpec &u : ir::ops::scalar_activation_attr_union())
    for (const auto &act : ir::ops::scalar_activations())
      for (const ir::AttrSpec &s : act.attrs)
        if (s.name == u.name) {
          EXPECT_EQ(s.kind, u.kind) << act.name << "." << s.name;
        }
}

// ------------------------------------------------------------ reference math

// PyTorch's definitions, in long double.
LD closed_form(const std::string &op, LD x, const ir::Attrs &a) {
  auto attr = [&](const char *name, LD fallback) {
    return a.has(name) ? static_cast<LD>(a.get_float(name)) : fallback;
  };
  auto softplus = [](LD z) {
    return z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z));
  };
  auto relu6 = [](LD v) { return std::min<LD>(std::max<LD>(v, 0), 6); };
  if (op == "elu") return x > 0 ? x : attr("alpha", 1) * (std::exp(x) - 1);
  if (op == "selu") {
    LD alpha = 1.6732632423543772848170429916717L, scale = 1.0507009873554804934193349852946L;
    return scale * (x > 0 ? x : alpha * (std::exp(x) - 1));
  }
  if (op == "swish") return x / (1 + std::exp(-x));
  if (op == "mish") return x * std::tanh(softplus(x));
  if (op == "softplus") {
    LD beta = attr("beta", 1), threshold = attr("threshold", 20);
    return beta * x > threshold ? x : softplus(beta * x) / beta;
  }
  if (op == "leaky_relu") return x < 0 ? attr("alpha", 0.01L) * x : x;
  if (op == "relu6") return relu6(x);
  if (op == "hard_sigmoid")
    return std::max<LD>(0, std::min<LD>(1, attr("alpha", 0.2L) * x + attr("beta", 0.5L)));
  if (op == "hard_swish") return x * relu6(x + 3) / 6;  // PyTorch's form
  if (op == "softsign") return x / (1 + std::fabs(x));
  if (op == "clip") {
    const LD inf = std::numeric_limits<LD>::infinity();
    return std::min(std::max(x, attr("min", -inf)), attr("max", inf));
  }
  throw std::runtime_error("no closed form for " + op);
}

struct AttrCase {
  std::string op;
  ir::Attrs attrs;
};

std::vector<AttrCase> attr_cases() {
  return {
      {"elu", {}},
      {"elu", attrs({{"alpha", 0.3}})},
      {"selu", {}},
      {"swish", {}},
      {"mish", {}},
      {"softplus", {}},
      {"softplus", attrs({{"beta", 2.0}, {"threshold", 5.0}})},
      {"softplus", attrs({{"beta", 0.5}})},
      {"leaky_relu", {}},
      {"leaky_relu", attrs({{"alpha", 0.2}})},
      {"relu6", {}},
      {"hard_sigmoid", {}},
      {"hard_sigmoid", attrs({{"alpha", 1.0 / 6}, {"beta", 0.5}})},
      {"hard_swish", {}},
      {"softsign", {}},
      {"clip", attrs({{"min", -1.0}, {"max", 2.0}})},
      {"clip", attrs({{"min", 0.0}})},
      {"clip", attrs({{"max", -0.5}})},
      {"clip", {}},
  };
}

const std::vector<double> kPoints = {-100, -30, -20.5, -5, -3,  -1,   -0.1, -1e-4, 0,    1e-4, 0.1,
                                     1,    2.5, 2.99,  3,  5.5, 6.01, 19.9, 20,    20.1, 30,   100};

TEST(ActivationMath, ReferenceMatchesClosedForms) {
  for (const AttrCase &c : attr_cases()) {
    const reference::ops::ScalarFn f = reference::ops::scalar_activation(c.op, c.attrs);
    for (double x : kPoints) {
      LD want = closed_form(c.op, x, c.attrs);
      double got = f(x);
      // hard_*: alpha * x + beta cancels at the clamp's edge (x = -3 for
      // alpha 1/6), where double leaves ~1e-17 of the long double's value.
      const LD floor = c.op.rfind("hard_", 0) == 0 ? 1e-15L : 1e-300L;
      EXPECT_LE(std::fabs(got - want), 1e-12L * std::fabs(want) + floor)
          << codegen::ops::activation_label(c.op, c.attrs) << " at " << x << ": " << got << " vs "
          << static_cast<double>(want);
    }
  }
}

// Values PyTorch prints (torch.nn.functional.*), to 16 digits.
TEST(ActivationMath, PublishedValues) {
  auto f = [](const std::string &op, double x, const ir::Attrs &a = {}) {
    return reference::ops::scalar_activation(op, a)(x);
  };
  EXPECT_NEAR(f("selu", 1), 1.0507009873554805, 1e-15);
  EXPECT_NEAR(f("selu", -1), -1.1113307378125625, 1e-15);
  EXPECT_NEAR(f("elu", -1), -0.6321205588285577, 1e-15);
  EXPECT_NEAR(f("mish", 1), 0.8650983882673103, 1e-15);
  EXPECT_NEAR(f("mish", -1), -0.30340146137410895, 1e-15);
  EXPECT_NEAR(f("softplus", 0), 0.6931471805599453, 1e-15);
  EXPECT_NEAR(f("softplus", 1), 1.3132616875182228, 1e-15);
  EXPECT_NEAR(f("softplus", 1, attrs({{"beta", 2.0}})), 1.0634640055214863, 1e-15);
  EXPECT_EQ(f("softplus", 21), 21.0);   // above the threshold: x itself
  EXPECT_EQ(f("softplus", -800), 0.0);  // no overflow, no NaN
  EXPECT_NEAR(f("swish", 1), 0.7310585786300049, 1e-15);
  EXPECT_NEAR(f("swish", -1), -0.2689414213699951, 1e-15);
  EXPECT_NEAR(f("hard_swish", 1), 2.0 / 3, 1e-15);
  EXPECT_NEAR(f("hard_sigmoid", 1), 0.7, 1e-15);
  EXPECT_EQ(f("leaky_relu", -2), -0.02);
  EXPECT_EQ(f("relu6", 7), 6.0);
  EXPECT_EQ(f("softsign", 1), 0.5);
  EXPECT_EQ(f("clip", 5, attrs({{"min", -1.0}, {"max", 1.0}})), 1.0);
  // min > max gives max, as numpy.clip and ONNX Clip.
  EXPECT_EQ(f("clip", 0, attrs({{"min", 2.0}, {"max", 1.0}})), 1.0);
}

TEST(ActivationMath, AttributeChecks) {
  ir::Graph g;
  int x = g.add_input("x", {ir::DType::F32, {3}});
  try {
    g.add_node("softplus", "sp", {x}, attrs({{"beta", 0.0}}));
    FAIL() << "expected a UserError";
  } catch (const UserError &e) {
    EXPECT_STREQ(e.what(), "node 'sp' (softplus): softplus beta must not be 0");
  }
  try {
    g.add_node("relu", "r", {x}, attrs({{"alpha", 0.1}}));
    FAIL() << "expected a UserError";
  } catch (const UserError &e) {
    EXPECT_NE(std::string(e.what()).find("relu has no attribute 'alpha'"), std::string::npos)
        << e.what();
  }
}

// ------------------------------------------------------------ compiled vs reference

std::vector<reference::Tensor> run_both(testing::OneNode &g, std::vector<reference::Tensor> *want) {
  codegen::LowerRequest req = testing::lower_request(g, host());
  codegen::LoweredKernel k = codegen::lower_node(req);
  std::vector<ir::Shape> shapes;
  for (const auto &t : req.outputs) shapes.push_back(t.shape);
  std::vector<const reference::Tensor *> in;
  for (const auto &t : g.inputs) in.push_back(&t);
  *want = reference::run_node(g.n(), in);
  return testing::run_lowered(k, g.inputs, shapes, host());
}

struct CompiledCase {
  std::string name;
  AttrCase act;
  ir::Shape shape;
  float range;
};

void PrintTo(const CompiledCase &c, std::ostream *os) { *os << c.name; }

std::vector<CompiledCase> compiled_cases() {
  std::vector<CompiledCase> cases;
  int k = 0;
  for (const AttrCase &a : attr_cases()) {
    std::string base = a.op + "_" + std::to_string(k++);
    cases.push_back({base + "_nchw", a, {2, 3, 5, 7}, 8.0f});
    // Large: parallel chunks and the vector tail; wide range for saturation.
    cases.push_back({base + "_large", a, {1, 100003}, 40.0f});
  }
  return cases;
}

class CompiledActivation : public ::testing::TestWithParam<CompiledCase> {};

TEST_P(CompiledActivation, MatchesReference) {
  const CompiledCase &c = GetParam();
  testing::OneNode g = testing::one_node(c.act.op, {c.shape}, c.act.attrs, 7, -c.range, c.range);
  std::vector<reference::Tensor> want;
  try {
    std::vector<reference::Tensor> got = run_both(g, &want);
    std::string diff = testing::compare(got[0], want[0], 1e-5);
    EXPECT_TRUE(diff.empty()) << c.name << ": " << diff;
  } catch (const Halide::Error &e) {
    FAIL() << c.name << ": Halide error: " << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Ops, CompiledActivation, ::testing::ValuesIn(compiled_cases()),
                         [](const auto &info) { return info.param.name; });

// The hand-picked points, where a careless float formula loses precision.
TEST(CompiledActivationPoints, SmoothActivationsKeepRelativePrecision) {
  std::vector<float> points;
  for (double p : kPoints) points.push_back(static_cast<float>(p));
  for (float p : {-88.0f, -89.0f, -1e-3f, 1e-3f, -0.0999f, -0.1001f, 0.125f, -17.0f, 15.0f})
    points.push_back(p);
  const ir::Shape shape = {static_cast<int64_t>(points.size())};
  for (const AttrCase &c : attr_cases()) {
    if (c.op == "hard_sigmoid" || c.op == "hard_swish") continue;  // x/6 + 1/2 cancels near -3
    testing::OneNode g = testing::one_node(c.op, {shape}, c.attrs, 1);
    g.inputs[0].data = points;
    std::vector<reference::Tensor> want;
    std::vector<reference::Tensor> got = run_both(g, &want);
    for (size_t i = 0; i < points.size(); i++) {
      double w = want[0].data[i], d = std::fabs(got[0].data[i] - w);
      EXPECT_LE(d, 4e-6 * std::fabs(w) + 1e-30)
          << c.op << " at " << points[i] << ": got " << got[0].data[i] << ", want " << w;
    }
  }
}

// The kernel describes what it computes; activation_label names attributes.
TEST(CompiledActivationPoints, LabelsNameTheAttributes) {
  EXPECT_EQ(codegen::ops::activation_label("leaky_relu", attrs({{"alpha", 0.1}})),
            "leaky_relu(alpha=0.1)");
  EXPECT_EQ(codegen::ops::activation_label("relu", {}), "relu");
}

// ------------------------------------------------------------ fused epilogue

// A conv2d or dense node with its epilogue set by hand (as fuse-epilogue
// would), and a residual input when asked.
struct EpilogueCase {
  std::string name;
  std::string op;
  ir::Shape x;
  ir::Attrs layer;
  AttrCase act, post;  // op "none": that slot is empty
  bool residual;
};

void PrintTo(const EpilogueCase &c, std::ostream *os) { *os << c.name; }

ir::Attrs conv_attrs(int64_t filters) {
  return attrs({{"filters", filters},
                {"kernel", std::vector<int64_t>{3, 3}},
                {"padding", std::string("same")}});
}

std::vector<EpilogueCase> epilogue_cases() {
  const AttrCase none{"none", {}};
  const ir::Attrs dense10 = attrs({{"units", int64_t{10}}});
  return {
      {"conv_leaky_res_elu",
       "conv2d",
       {1, 4, 9, 11},
       conv_attrs(8),
       {"leaky_relu", attrs({{"alpha", 0.2}})},
       {"elu", attrs({{"alpha", 0.7}})},
       true},
      {"conv_hard_swish_res_relu6",
       "conv2d",
       {1, 8, 12, 20},
       conv_attrs(16),
       {"hard_swish", {}},
       {"relu6", {}},
       true},
      {"conv_mish", "conv2d", {2, 3, 7, 9}, conv_attrs(5), {"mish", {}}, none, false},
      {"conv_swish", "conv2d", {1, 16, 14, 14}, conv_attrs(16), {"swish", {}}, none, false},
      {"conv_selu_res", "conv2d", {1, 4, 6, 6}, conv_attrs(4), {"selu", {}}, none, true},
      {"conv_res_clip",
       "conv2d",
       {1, 4, 6, 6},
       conv_attrs(4),
       none,
       {"clip", attrs({{"min", -0.25}, {"max", 0.5}})},
       true},
      {"pointwise_hard_sigmoid",
       "conv2d",
       {2, 16, 7, 9},
       attrs({{"filters", int64_t{24}}, {"kernel", std::vector<int64_t>{1, 1}}}),
       {"hard_sigmoid", attrs({{"alpha", 0.25}, {"beta", 0.4}})},
       none,
       false},
      {"dense_softplus",
       "dense",
       {3, 40},
       dense10,
       {"softplus", attrs({{"beta", 2.0}, {"threshold", 1.5}})},
       none,
       false},
      {"dense_softsign_res_leaky",
       "dense",
       {2, 17},
       dense10,
       {"softsign", {}},
       {"leaky_relu", attrs({{"alpha", 0.3}})},
       true},
      {"dense_res_selu",
       "dense",
       {8, 300},
       attrs({{"units", int64_t{70}}}),
       none,
       {"selu", {}},
       true},
  };
}

class FusedEpilogue : public ::testing::TestWithParam<EpilogueCase> {};

TEST_P(FusedEpilogue, MatchesReference) {
  const EpilogueCase &c = GetParam();
  ir::Attrs a = c.layer;
  if (c.act.op != "none") ir::ops::set_epilogue_activation(a, "activation", c.act.op, c.act.attrs);
  if (c.post.op != "none")
    ir::ops::set_epilogue_activation(a, "post_activation", c.post.op, c.post.attrs);
  testing::OneNode g = testing::one_node(c.op, {c.x}, a, 11, -2.0f, 2.0f);
  if (c.residual) {
    const ir::Shape out = g.graph.value(g.n().outputs[0]).type.shape;
    int r = g.graph.add_input("residual", {ir::DType::F32, out});
    g.graph.nodes[g.node].inputs.push_back(r);
    g.graph.nodes[g.node].attrs.set("has_residual", int64_t{1});
    g.inputs.push_back(testing::random_tensor(out, 99, -2.0f, 2.0f));
    g.graph.mark_output(g.n().outputs[0]);
    ir::verify_or_throw(g.graph, c.name);
  }
  std::vector<reference::Tensor> want;
  try {
    codegen::LowerRequest req = testing::lower_request(g, host());
    codegen::LoweredKernel k = codegen::lower_node(req);
    if (c.act.op != "none") {
      EXPECT_NE(k.schedule.find(codegen::ops::activation_label(
                    c.act.op, ir::ops::epilogue_of(g.n().attrs).activation_attrs)),
                std::string::npos)
          << k.schedule;
    }
    std::vector<reference::Tensor> got =
        testing::run_lowered(k, g.inputs, {req.outputs[0].shape}, host());
    std::vector<const reference::Tensor *> in;
    for (const auto &t : g.inputs) in.push_back(&t);
    want = reference::run_node(g.n(), in);
    std::string diff = testing::compare(got[0], want[0], 1e-4);
    EXPECT_TRUE(diff.empty()) << c.name << " (" << k.schedule << "): " << diff;
  } catch (const Halide::Error &e) {
    FAIL() << c.name << ": Halide error: " << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Layers, FusedEpilogue, ::testing::ValuesIn(epilogue_cases()),
                         [](const auto &info) { return info.param.name; });

// The fused reference epilogue applies the activation with its attributes:
// the same numbers as the standalone nodes, not the defaults.
TEST(FusedEpilogueAttrs, ReferenceUsesTheAttributes) {
  ir::Graph g;
  int x = g.add_input("x", {ir::DType::F32, {1, 2}});
  int w = g.add_param("fc.weight", {ir::DType::F32, {2, 2}}, {1, 0, 0, 1});
  ir::Attrs a = attrs({{"units", int64_t{2}}, {"use_bias", int64_t{0}}});
  ir::ops::set_epilogue_activation(a, "activation", "leaky_relu", attrs({{"alpha", 0.5}}));
  g.mark_output(g.nodes[g.add_node("dense", "fc", {x, w}, a)].outputs[0]);
  auto out = reference::run_graph(g, {reference::Tensor({1, 2}, {-2.0f, 3.0f})});
  EXPECT_EQ(out[0].data, (std::vector<float>{-1.0f, 3.0f}));
}

TEST(FusedEpilogueAttrs, AttributesMustFitTheActivation) {
  ir::Graph g;
  int x = g.add_input("x", {ir::DType::F32, {1, 2}});
  int w = g.add_param("fc.weight", {ir::DType::F32, {2, 2}}, {1, 0, 0, 1});
  ir::Attrs a = attrs({{"units", int64_t{2}}, {"use_bias", int64_t{0}}});
  a.set("activation", std::string("relu"));
  a.set("activation_alpha", 0.5);
  try {
    g.add_node("dense", "fc", {x, w}, a);
    FAIL() << "expected a UserError";
  } catch (const UserError &e) {
    EXPECT_NE(std::string(e.what()).find("activation relu: relu has no attribute 'alpha'"),
              std::string::npos)
        << e.what();
  }
  ir::Attrs b = attrs({{"units", int64_t{2}}, {"use_bias", int64_t{0}}});
  b.set("post_activation_alpha", 0.5);
  EXPECT_THROW(g.add_node("dense", "fc2", {x, w}, b), UserError);
}

// ------------------------------------------------------------ fuse-epilogue pass

ir::Graph conv_act_add_act(const std::string &act, const ir::Attrs &act_attrs,
                           const std::string &post, const ir::Attrs &post_attrs) {
  ir::Graph g;
  g.name = "t";
  int x = g.add_input("x", {ir::DType::F32, {1, 2, 4, 4}});
  int w = g.add_param("conv.weight", {ir::DType::F32, {2, 2, 3, 3}},
                      testing::random_tensor({2, 2, 3, 3}, 3).data);
  int b = g.add_param("conv.bias", {ir::DType::F32, {2}}, {0.1f, -0.2f});
  int c = g.nodes[g.add_node("conv2d", "conv", {x, w, b}, conv_attrs(2))].outputs[0];
  int a = g.nodes[g.add_node(act, "act", {c}, act_attrs)].outputs[0];
  int s = g.nodes[g.add_node("add", "sum", {a, x}, {})].outputs[0];
  g.mark_output(g.nodes[g.add_node(post, "post", {s}, post_attrs)].outputs[0]);
  return g;
}

void expect_same_numbers(const ir::Graph &before, const ir::Graph &after) {
  ASSERT_TRUE(ir::verify(after).empty()) << ir::verify(after)[0];
  std::vector<reference::Tensor> inputs;
  for (int id : before.inputs)
    inputs.push_back(testing::random_tensor(before.value(id).type.shape, 5, -3.0f, 3.0f));
  auto a = reference::run_graph(before, inputs), b = reference::run_graph(after, inputs);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); i++) {
    std::string diff = testing::compare(b[i], a[i], 1e-5);
    EXPECT_TRUE(diff.empty()) << diff;
  }
}

TEST(FuseEpilogueAttrs, ActivationAttributesTravelWithTheActivation) {
  ir::Graph g =
      conv_act_add_act("leaky_relu", attrs({{"alpha", 0.1}}), "elu", attrs({{"alpha", 0.5}}));
  ir::Graph fused = passes::fuse_epilogue(g);
  EXPECT_EQ(ir::print_graph(fused),
            "graph t {\n"
            "  input x: f32[1x2x4x4]\n"
            "  param conv.weight: f32[2x2x3x3]\n"
            "  param conv.bias: f32[2]\n"
            "  post = conv2d(x, conv.weight, conv.bias, x) {activation=\"leaky_relu\", "
            "activation_alpha=0.1, dilation=[1,1], filters=2, groups=1, has_residual=1, "
            "kernel=[3,3], padding=\"same\", padding_mode=\"zeros\", post_activation=\"elu\", "
            "post_activation_alpha=0.5, stride=[1,1], use_bias=1} : f32[1x2x4x4]\n"
            "  output post\n"
            "}\n");
  expect_same_numbers(g, fused);
}

TEST(FuseEpilogueAttrs, EveryActivationFusesWithItsDefaults) {
  for (const AttrCase &c : attr_cases()) {
    SCOPED_TRACE(c.op);
    ir::Graph g = conv_act_add_act(c.op, c.attrs, c.op, c.attrs);
    ir::Graph fused = passes::fuse_epilogue(g);
    ASSERT_EQ(fused.nodes.size(), 1u) << ir::print_graph(fused);
    ir::ops::Epilogue e = ir::ops::epilogue_of(fused.nodes[0].attrs);
    EXPECT_EQ(e.activation, c.op);
    EXPECT_EQ(e.post_activation, c.op);
    EXPECT_EQ(e.activation_attrs, g.nodes[1].attrs);  // defaults filled in, as on the node
    EXPECT_EQ(e.post_activation_attrs, g.nodes[3].attrs);
    expect_same_numbers(g, fused);
  }
}

TEST(FuseEpilogueAttrs, BroadcastingAddIsNotAResidual) {
  ir::Graph g;
  g.name = "t";
  int x = g.add_input("x", {ir::DType::F32, {1, 2, 4, 4}});
  int w = g.add_param("conv.weight", {ir::DType::F32, {2, 2, 1, 1}}, {1, 0, 0, 1});
  int shift = g.add_input("shift", {ir::DType::F32, {2, 1, 1}});
  ir::Attrs a = attrs({{"filters", int64_t{2}}, {"kernel", std::vector<int64_t>{1, 1}}});
  int c = g.nodes[g.add_node("conv2d", "conv",
                             {x, w, g.add_param("conv.bias", {ir::DType::F32, {2}}, {0, 0})}, a)]
              .outputs[0];
  g.mark_output(g.nodes[g.add_node("add", "sum", {c, shift}, {})].outputs[0]);
  ir::Graph fused = passes::fuse_epilogue(g);
  EXPECT_EQ(ir::print_graph(fused), ir::print_graph(g));
}

// ------------------------------------------------------------ JSON spec

ir::Graph parse(const std::string &text) { return frontend::parse_json_spec(text, "t.json", "."); }

TEST(ActivationSpec, ShorthandTakesTheNewNames) {
  for (const std::string &name : kNewActivations) {
    ir::Graph g = parse(R"({"name": "net", "input": {"name": "x", "shape": [1, 2, 4, 4]},
        "layers": [{"type": "conv2d", "name": "c", "filters": 2, "kernel": 3,
                    "activation": ")" +
                        name + R"("}]})");
    ASSERT_EQ(g.nodes.size(), 2u) << name;
    EXPECT_EQ(g.nodes[1].op, name);
    EXPECT_EQ(g.nodes[1].name, "c." + name);
  }
}

TEST(ActivationSpec, StandaloneLayersTakeTheirAttributes) {
  ir::Graph g = parse(R"({"name": "net", "input": {"name": "x", "shape": [1, 4]},
      "layers": [{"type": "leaky_relu", "alpha": 0.1},
                 {"type": "softplus", "beta": 2, "threshold": 10},
                 {"type": "clip", "min": 0, "max": 6},
                 {"type": "hard_sigmoid"},
                 {"type": "selu"}]})");
  ASSERT_EQ(g.nodes.size(), 5u);
  EXPECT_EQ(g.nodes[0].attrs.get_float("alpha"), 0.1);
  EXPECT_EQ(g.nodes[1].attrs.get_float("beta"), 2.0);
  EXPECT_EQ(g.nodes[1].attrs.get_float("threshold"), 10.0);
  EXPECT_EQ(g.nodes[2].attrs.get_float("max"), 6.0);
  EXPECT_EQ(g.nodes[3].attrs.get_float("alpha"), 0.2);  // ONNX's default
  EXPECT_NEAR(g.nodes[4].attrs.get_float("gamma"), 1.0507009873554805, 1e-16);
  auto out = reference::run_graph(g, {reference::Tensor({1, 4}, {-2, -0.5f, 0.5f, 30})});
  // leaky (-0.2, -0.05, 0.5, 30) -> softplus_2 -> clip [0, 6] -> hard_sigmoid -> selu.
  for (int k = 0; k < 4; k++) {
    double v = std::vector<double>{-2, -0.5, 0.5, 30}[k];
    v = v < 0 ? 0.1 * v : v;
    v = 2 * v > 10 ? v : std::log1p(std::exp(2 * v)) / 2;
    v = std::min(std::max(v, 0.0), 6.0);
    v = std::max(0.0, std::min(1.0, 0.2 * v + 0.5));
    v = 1.0507009873554805 * v;  // positive
    EXPECT_NEAR(out[0].data[k], v, 1e-6 * (1 + v)) << k;
  }
}

TEST(ActivationSpec, ErrorsNameTheField) {
  try {
    parse(R"({"name": "net", "input": {"name": "x", "shape": [1, 4]},
        "layers": [{"type": "leaky_relu", "slope": 0.1}]})");
    FAIL() << "expected a UserError";
  } catch (const UserError &e) {
    EXPECT_NE(std::string(e.what()).find("layers[0].slope: unknown field \"slope\""),
              std::string::npos)
        << e.what();
  }
  try {
    parse(R"({"name": "net", "input": {"name": "x", "shape": [1, 4]},
        "layers": [{"type": "softplus", "beta": 0}]})");
    FAIL() << "expected a UserError";
  } catch (const UserError &e) {
    EXPECT_NE(std::string(e.what()).find("softplus beta must not be 0"), std::string::npos)
        << e.what();
  }
  try {  // the epilogue's internal attributes are not spec fields
    parse(R"({"name": "net", "input": {"name": "x", "shape": [1, 4]},
        "layers": [{"type": "dense", "units": 2, "activation_alpha": 0.1}]})");
    FAIL() << "expected a UserError";
  } catch (const UserError &e) {
    EXPECT_NE(std::string(e.what()).find("unknown field \"activation_alpha\""), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace kiln
