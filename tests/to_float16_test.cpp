// to_float16 (ONNX Cast to float16 of run-time data): the reference against
// float16 values worked out here (ties to even, subnormals, overflow to inf),
// and the Halide lowering (Halide's float16 cast) against the reference over
// random values of every magnitude. Exact: tolerance 0.
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

std::vector<float> run_reference(const std::vector<float> &values) {
  ir::Graph g;
  const ir::Shape shape = {static_cast<int64_t>(values.size())};
  int in = g.add_input("x", {ir::DType::F32, shape});
  int n = g.add_node("to_float16", "h", {in}, {});
  reference::Tensor x(shape, values);
  return reference::run_node(g.node(n), {&x})[0].data;
}

TEST(ToFloat16, ReferenceRoundsToNearestEven) {
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> in = {
      1.0f / 3,             // 0.333251953125 (0x3555)
      1.0f + 0x1p-11f,      // a tie: to 1 (even)
      1.0f + 3 * 0x1p-11f,  // a tie: to 1 + 2^-9 (even)
      65519.0f,             // rounds down to the largest float16
      65520.0f,             // a tie past it: to inf
      -70000.0f,            // -inf
      0x1p-25f,             // half the smallest subnormal: a tie, to 0
      3e-8f,                // nearer 2^-24
      0x1.8p-20f,           // a subnormal, exact
      -0.0f,
      inf,
      2048.0f + 1  // 2049 is a tie between 2048 and 2050: 2048
  };
  const std::vector<float> want = {
      0.333251953125f, 1.0f,       1.0f + 0x1p-9f, 65504.0f, inf,    -inf, 0.0f,
      0x1p-24f,        0x1.8p-20f, -0.0f,          inf,      2048.0f};
  EXPECT_EQ(run_reference(in), want);
}

TEST(ToFloat16, LoweringMatchesReference) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> mantissa(-1.0f, 1.0f);
  std::uniform_int_distribution<int> exponent(-28, 17);
  reference::Tensor x({1001});
  for (float &v : x.data) v = std::ldexp(mantissa(rng), exponent(rng));
  testing::OneNode g = testing::one_node("to_float16", {x.shape}, {}, 1);
  g.inputs[0] = x;
  codegen::LowerRequest req = testing::lower_request(g, host());
  codegen::LoweredKernel k = codegen::lower_node(req);
  reference::Tensor got = testing::run_lowered(k, g.inputs, {req.outputs[0].shape}, host())[0];
  EXPECT_EQ(got.data, run_reference(x.data));
}

}  // namespace
}  // namespace kiln
