// The ops added for ONNX import: permute, pad (constant, reflect, edge),
// reduce_mean, log_softmax and matmul (batched, broadcasting). Reference kernels against
// hand-computed values; Halide lowerings (JIT) against the reference on shapes that take each
// schedule's branches (vectorized or not, merged permute axes). Tolerance for the lowerings: |got -
// want| <= 1e-5 * (1 + |want|).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "ir/errors.h"
#include "tests/codegen_test_util.h"

namespace kiln {
namespace {

using ints = std::vector<int64_t>;
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

// The node `op` on `x` by the reference interpreter.
Tensor run_ref(const std::string &op, const Tensor &x, const ir::Attrs &a) {
  ir::Graph g;
  int in = g.add_input("x", {ir::DType::F32, x.shape});
  g.add_node(op, "n", {in}, a);
  return reference::run_node(g.nodes[0], {&x})[0];
}

TEST(Permute, ReferenceHandComputed) {
  Tensor x({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor y = run_ref("permute", x, attrs({{"perm", ints{1, 0}}}));
  EXPECT_EQ(y.shape, (ir::Shape{3, 2}));
  EXPECT_EQ(y.data, (std::vector<float>{1, 4, 2, 5, 3, 6}));
  Tensor z({1, 2, 2}, {1, 2, 3, 4});
  EXPECT_EQ(run_ref("permute", z, attrs({{"perm", ints{2, 0, 1}}})).data,
            (std::vector<float>{1, 3, 2, 4}));
}

TEST(Permute, ShapeErrors) {
  ir::Graph g;
  int in = g.add_input("x", {ir::DType::F32, {2, 3, 4}});
  EXPECT_THROW(g.add_node("permute", "p", {in}, attrs({{"perm", ints{0, 1}}})), UserError);
  EXPECT_THROW(g.add_node("permute", "q", {in}, attrs({{"perm", ints{0, 1, 1}}})), UserError);
}

TEST(Pad, ReferenceModesHandComputed) {
  Tensor x({1, 3}, {1, 2, 3});
  auto pad = [&](const std::string &mode) {
    return run_ref("pad", x, attrs({{"pads", ints{0, 2, 0, 1}}, {"mode", mode}, {"value", 9.0}}))
        .data;
  };
  EXPECT_EQ(pad("constant"), (std::vector<float>{9, 9, 1, 2, 3, 9}));
  EXPECT_EQ(pad("reflect"), (std::vector<float>{3, 2, 1, 2, 3, 2}));
  EXPECT_EQ(pad("edge"), (std::vector<float>{1, 1, 1, 2, 3, 3}));
  ir::Graph g;
  int in = g.add_input("x", {ir::DType::F32, {1, 3}});
  EXPECT_THROW(g.add_node("pad", "r", {in},
                          attrs({{"pads", ints{0, 3, 0, 0}}, {"mode", std::string("reflect")}})),
               UserError);  // reflect padding must be smaller than the axis
  EXPECT_THROW(g.add_node("pad", "s", {in}, attrs({{"pads", ints{0, 1}}})), UserError);
}

TEST(ReduceMean, ReferenceHandComputed) {
  Tensor x({2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  Tensor y = run_ref("reduce_mean", x, attrs({{"axes", ints{1, 2}}}));
  EXPECT_EQ(y.shape, (ir::Shape{2, 1, 1}));
  EXPECT_EQ(y.data, (std::vector<float>{2.5f, 6.5f}));
  EXPECT_EQ(run_ref("reduce_mean", x, attrs({{"axes", ints{0}}})).data,
            (std::vector<float>{3, 4, 5, 6}));
  ir::Graph g;
  int in = g.add_input("x", {ir::DType::F32, {2, 2, 2}});
  EXPECT_THROW(g.add_node("reduce_mean", "r", {in}, attrs({{"axes", ints{0, 2}}})), UserError);
}

TEST(LogSoftmax, ReferenceMatchesLogOfSoftmax) {
  Tensor x({2, 3}, {1, 2, 3, -1, 0, 50});
  Tensor y = run_ref("log_softmax", x, attrs({{"axis", int64_t{1}}}));
  for (int r = 0; r < 2; r++) {
    double m = std::max({x.data[3 * r], x.data[3 * r + 1], x.data[3 * r + 2]}), s = 0;
    for (int k = 0; k < 3; k++) s += std::exp(x.data[3 * r + k] - m);
    for (int k = 0; k < 3; k++)
      EXPECT_NEAR(y.data[3 * r + k], x.data[3 * r + k] - m - std::log(s), 1e-6);
  }
}

TEST(Matmul, ReferenceHandComputedWithBroadcast) {
  ir::Graph g;
  int a = g.add_input("a", {ir::DType::F32, {2, 1, 2}});
  int b = g.add_input("b", {ir::DType::F32, {2, 3}});
  g.add_node("matmul", "m", {a, b}, {});
  Tensor ta({2, 1, 2}, {1, 2, 3, 4}), tb({2, 3}, {1, 0, 2, 0, 1, 3});
  std::vector<const Tensor *> in = {&ta, &tb};
  Tensor y = reference::run_node(g.nodes[0], in)[0];
  EXPECT_EQ(y.shape, (ir::Shape{2, 1, 3}));
  EXPECT_EQ(y.data, (std::vector<float>{1, 2, 8, 3, 4, 18}));
  int c = g.add_input("c", {ir::DType::F32, {3, 2, 2}});
  EXPECT_THROW(g.add_node("matmul", "bad", {a, c}, {}), UserError);  // batch 2 vs 3
}

struct OpCase {
  std::string name, op;
  ir::Shape x;
  ir::Attrs a;
  std::vector<ir::Shape> more = {};  // further data inputs
};

void PrintTo(const OpCase &c, std::ostream *os) { *os << c.name; }

class LoweringMatchesReference : public ::testing::TestWithParam<OpCase> {};

TEST_P(LoweringMatchesReference, Random) {
  const OpCase &c = GetParam();
  std::vector<ir::Shape> shapes = {c.x};
  shapes.insert(shapes.end(), c.more.begin(), c.more.end());
  testing::OneNode g = testing::one_node(c.op, shapes, c.a, 5, -3.0f, 3.0f);
  try {
    codegen::LowerRequest req = testing::lower_request(g, host());
    codegen::LoweredKernel k = codegen::lower_node(req);
    auto got = testing::run_lowered(k, g.inputs, {req.outputs[0].shape}, host());
    std::vector<const Tensor *> in;
    for (const Tensor &t : g.inputs) in.push_back(&t);
    auto want = reference::run_node(g.n(), in);
    std::string diff = testing::compare(got[0], want[0], 1e-5);
    EXPECT_TRUE(diff.empty()) << c.name << " (" << k.schedule << "): " << diff;
  } catch (const Halide::Error &e) {
    FAIL() << c.name << ": Halide error: " << e.what();
  }
}

ir::Attrs perm(ints p) { return attrs({{"perm", p}}); }
ir::Attrs pads(ints p, const std::string &mode) {
  return attrs({{"pads", p}, {"mode", mode}, {"value", -0.5}});
}

INSTANTIATE_TEST_SUITE_P(
    Ops, LoweringMatchesReference,
    ::testing::Values(
        OpCase{"permute_2d", "permute", {37, 19}, perm({1, 0})},
        OpCase{"permute_nchw_to_nhwc", "permute", {2, 8, 5, 7}, perm({0, 2, 3, 1})},
        OpCase{"permute_pixel_shuffle", "permute", {1, 4, 2, 2, 3, 3}, perm({0, 1, 4, 2, 5, 3})},
        OpCase{"permute_size1_axes", "permute", {1, 5, 1, 6}, perm({3, 2, 1, 0})},
        OpCase{"permute_large_parallel", "permute", {4, 64, 33, 17}, perm({0, 3, 1, 2})},
        OpCase{"pad_constant_4d", "pad", {2, 3, 5, 6}, pads({0, 0, 1, 2, 0, 0, 3, 1}, "constant")},
        OpCase{"pad_reflect", "pad", {1, 2, 5, 19}, pads({0, 0, 2, 3, 0, 0, 4, 18}, "reflect")},
        OpCase{"pad_edge", "pad", {2, 3, 4}, pads({1, 0, 2, 0, 2, 17}, "edge")},
        OpCase{"pad_constant_channels",
               "pad",
               {1, 3, 4, 4},
               pads({0, 1, 0, 0, 0, 2, 0, 0}, "constant")},
        OpCase{"reduce_mean_spatial", "reduce_mean", {2, 16, 7, 9}, attrs({{"axes", ints{2, 3}}})},
        OpCase{"reduce_mean_channels", "reduce_mean", {2, 16, 7, 9}, attrs({{"axes", ints{1}}})},
        OpCase{"reduce_mean_first", "reduce_mean", {5, 40}, attrs({{"axes", ints{0}}})},
        OpCase{"reduce_mean_all", "reduce_mean", {3, 4, 5}, attrs({{"axes", ints{0, 1, 2}}})},
        OpCase{"log_softmax_last", "log_softmax", {6, 37}, attrs({{"axis", int64_t{-1}}})},
        OpCase{"log_softmax_channels", "log_softmax", {2, 10, 6, 6}, attrs({{"axis", int64_t{1}}})},
        OpCase{"log_softmax_first", "log_softmax", {9, 3}, attrs({{"axis", int64_t{0}}})},
        OpCase{"matmul_2d", "matmul", {5, 7}, {}, {{7, 3}}},
        OpCase{"matmul_batched", "matmul", {2, 3, 4, 5}, {}, {{2, 3, 5, 33}}},
        OpCase{"matmul_broadcast_b", "matmul", {3, 8, 6}, {}, {{6, 20}}},
        OpCase{"matmul_broadcast_both", "matmul", {2, 1, 3, 4}, {}, {{1, 5, 4, 2}}},
        OpCase{"matmul_large_parallel", "matmul", {4, 64, 48}, {}, {{4, 48, 64}}}),
    [](const auto &info) { return info.param.name; });

}  // namespace
}  // namespace kiln
