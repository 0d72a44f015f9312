// to_bfloat16 (ONNX Cast and CastLike to bfloat16 of run-time data): the
// reference against bfloat16 values worked out here (ties to even,
// subnormals, overflow to inf, NaN; and truncation), and the Halide lowering (rounding the
// float32 bits) against the reference over random values of every magnitude
// and the edge values. Exact: tolerance 0 (NaN compared as NaN).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "ir/op.h"
#include "tests/codegen_test_util.h"

namespace kiln {
namespace {

const Halide::Target &host() {
  static const Halide::Target t = Halide::get_jit_target_from_environment();
  return t;
}

ir::Attrs rounding(const std::string &mode) {
  ir::Attrs a;
  a.set("rounding", mode);
  return a;
}

std::vector<float> run_reference(const std::vector<float> &values,
                                 const std::string &mode = "nearest_even") {
  ir::Graph g;
  const ir::Shape shape = {static_cast<int64_t>(values.size())};
  int in = g.add_input("x", {ir::DType::F32, shape});
  int n = g.add_node("to_bfloat16", "b", {in}, rounding(mode));
  reference::Tensor x(shape, values);
  return reference::run_node(g.node(n), {&x})[0].data;
}

// Equal element by element, NaN equal to NaN, -0 distinct from +0.
void expect_same(const std::vector<float> &got, const std::vector<float> &want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t k = 0; k < got.size(); k++) {
    if (std::isnan(want[k])) {
      EXPECT_TRUE(std::isnan(got[k])) << k << ": " << got[k];
      continue;
    }
    EXPECT_EQ(got[k], want[k]) << k;
    EXPECT_EQ(std::signbit(got[k]), std::signbit(want[k])) << k;
  }
}

const float kInf = std::numeric_limits<float>::infinity();
const float kMaxBfloat16 = 0x1.fep127f;  // 2^128 - 2^120

const std::vector<float> &edge_inputs() {
  static const std::vector<float> in = {
      1.0f / 3,            // 0.333984375 (0x3eab)
      1.0f + 0x1p-8f,      // a tie: to 1 (even)
      1.0f + 3 * 0x1p-8f,  // a tie: to 1 + 2^-6 (even)
      1.0f + 0x1.8p-8f,    // past the tie: up
      -2.5f,               // exact
      0x1.ffp127f,         // the largest plus half an ulp, a tie: to inf (even)
      0x1.fefffep127f,     // the float just under that tie: the largest
      -0x1.ffp127f,        // -inf
      0x1p-133f,           // the smallest bfloat16 subnormal, exact
      0x1.8p-133f,         // a tie between 2^-133 and 2^-132: to 2^-132 (even)
      0x1p-134f,           // half the smallest subnormal: a tie, to 0
      -0.0f,
      kInf,
      -kInf,
      std::numeric_limits<float>::quiet_NaN(),
  };
  return in;
}

TEST(ToBfloat16, ReferenceRoundsToNearestEven) {
  const std::vector<float> want = {0.333984375f,   1.0f,  1.0f + 0x1p-6f,
                                   1.0f + 0x1p-7f, -2.5f, kInf,
                                   kMaxBfloat16,   -kInf, 0x1p-133f,
                                   0x1p-132f,      0.0f,  -0.0f,
                                   kInf,           -kInf, std::numeric_limits<float>::quiet_NaN()};
  expect_same(run_reference(edge_inputs()), want);
}

// ONNX's reference before opset 19 keeps the upper 16 bits: toward zero.
TEST(ToBfloat16, ReferenceTruncates) {
  const std::vector<float> want = {
      0.33203125f,  1.0f,          1.0f + 0x1p-7f,
      1.0f,         -2.5f,         kMaxBfloat16,
      kMaxBfloat16, -kMaxBfloat16, 0x1p-133f,
      0x1p-133f,    0.0f,          -0.0f,
      kInf,         -kInf,         std::numeric_limits<float>::quiet_NaN()};
  expect_same(run_reference(edge_inputs(), "truncate"), want);
}

class ToBfloat16Lowering : public ::testing::TestWithParam<std::string> {};

TEST_P(ToBfloat16Lowering, MatchesReference) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> mantissa(-1.0f, 1.0f);
  std::uniform_int_distribution<int> exponent(-140, 128);
  reference::Tensor x({1000});
  for (float &v : x.data) v = std::ldexp(mantissa(rng), exponent(rng));
  x.data.insert(x.data.end(), edge_inputs().begin(), edge_inputs().end());
  x.shape = {static_cast<int64_t>(x.data.size())};
  testing::OneNode g = testing::one_node("to_bfloat16", {x.shape}, rounding(GetParam()), 1);
  g.inputs[0] = x;
  codegen::LowerRequest req = testing::lower_request(g, host());
  codegen::LoweredKernel k = codegen::lower_node(req);
  reference::Tensor got = testing::run_lowered(k, g.inputs, {req.outputs[0].shape}, host())[0];
  expect_same(got.data, run_reference(x.data, GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Modes, ToBfloat16Lowering, ::testing::Values("nearest_even", "truncate"));

}  // namespace
}  // namespace kiln
