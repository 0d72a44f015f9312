// max_pool2d_argmax (ONNX MaxPool's Indices output): the reference against
// indices written out by hand (row- and column-major, padding, ties: the
// first maximum), and the Halide lowering against the reference over
// strides, padding, dilation and ceil mode. Indices are exact: tolerance 0.
#include <gtest/gtest.h>

#include "ir/op.h"
#include "tests/codegen_test_util.h"

namespace kiln {
namespace {

using ints = std::vector<int64_t>;

const Halide::Target &host() {
  static const Halide::Target t = Halide::get_jit_target_from_environment();
  return t;
}

ir::Attrs argmax_attrs(ints kernel, ints stride, ints padding, bool ceil_mode, bool column_major,
                       ints dilation = {1, 1}) {
  ir::Attrs a;
  a.set("kernel", kernel);
  a.set("stride", stride);
  a.set("padding", padding);
  a.set("ceil_mode", int64_t{ceil_mode});
  a.set("column_major", int64_t{column_major});
  a.set("dilation", dilation);
  return a;
}

std::vector<float> run_reference(const ir::Attrs &a, const reference::Tensor &x) {
  ir::Graph g;
  int in = g.add_input("x", {ir::DType::F32, x.shape});
  int n = g.add_node("max_pool2d_argmax", "p", {in}, a);
  return reference::run_node(g.node(n), {&x})[0].data;
}

TEST(PoolArgmax, ReferenceHandComputed) {
  // 2 channels of 3x4; channel 1 starts at flat index 12.
  reference::Tensor x({1, 2, 3, 4}, {1, 5, 2, 0,  //
                                     3, 4, 9, 9,  //
                                     8, 0, 1, 7,  //
                                     0, 0, 0, 0,  //
                                     0, 6, 0, 0,  //
                                     0, 0, 0, 2});
  // 2x2 windows, stride 2: rows 0-1 only (floor). Channel 0: max 5 at (0,1)
  // -> 1; max 9 at (1,2) and (1,3): the first, (1,2) -> 6. Channel 1: 6 at
  // (1,1) -> 12 + 5 = 17; all zeros then... (0,2) is the first of the ties at 0 -> 14.
  EXPECT_EQ(run_reference(argmax_attrs({2, 2}, {2, 2}, {0, 0, 0, 0}, false, false), x),
            (std::vector<float>{1, 6, 17, 14}));
  // Column-major counts w*H + h: (0,1) -> 3, (1,2) -> 7, (1,1) -> 12 + 4, (0,2) -> 12 + 6.
  EXPECT_EQ(run_reference(argmax_attrs({2, 2}, {2, 2}, {0, 0, 0, 0}, false, true), x),
            (std::vector<float>{3, 7, 16, 18}));
  // Padding never wins: a 2x2 window at (-1,-1) sees only x(0,0).
  reference::Tensor neg({1, 1, 2, 2}, {-5, -6, -7, -8});
  EXPECT_EQ(run_reference(argmax_attrs({2, 2}, {1, 1}, {1, 1, 0, 0}, false, false), neg),
            (std::vector<float>{0, 0, 0, 0}));
}

struct Case {
  std::string name;
  ir::Shape x;
  ir::Attrs attrs;
};

void PrintTo(const Case &c, std::ostream *os) { *os << c.name; }

std::vector<Case> cases() {
  return {
      {"plain", {2, 3, 8, 9}, argmax_attrs({2, 2}, {2, 2}, {0, 0, 0, 0}, false, false)},
      {"column_major_padded",
       {1, 2, 7, 11},
       argmax_attrs({3, 3}, {2, 2}, {1, 1, 1, 1}, true, true)},
      {"overlapping_asymmetric",
       {1, 3, 6, 13},
       argmax_attrs({3, 2}, {1, 1}, {2, 0, 1, 1}, false, false)},
      {"dilated", {1, 2, 9, 10}, argmax_attrs({2, 3}, {1, 2}, {0, 1, 0, 1}, false, true, {2, 2})},
      {"one_d", {2, 2, 1, 17}, argmax_attrs({1, 3}, {1, 2}, {0, 1, 0, 1}, true, false)},
  };
}

class PoolArgmaxLowering : public ::testing::TestWithParam<Case> {};

TEST_P(PoolArgmaxLowering, MatchesReference) {
  const Case &c = GetParam();
  testing::OneNode g = testing::one_node("max_pool2d_argmax", {c.x}, c.attrs, 11);
  codegen::LowerRequest req = testing::lower_request(g, host());
  codegen::LoweredKernel k = codegen::lower_node(req);
  reference::Tensor got = testing::run_lowered(k, g.inputs, {req.outputs[0].shape}, host())[0];
  std::vector<const reference::Tensor *> in = {&g.inputs[0]};
  EXPECT_EQ(got.data, reference::run_node(g.n(), in)[0].data) << c.name;
}

INSTANTIATE_TEST_SUITE_P(Ops, PoolArgmaxLowering, ::testing::ValuesIn(cases()),
                         [](const auto &info) { return info.param.name; });

}  // namespace
}  // namespace kiln
