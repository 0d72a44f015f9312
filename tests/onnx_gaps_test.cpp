// Forms added for ONNX's conformance cases:
// - max_pool2d with a dilated window (ONNX MaxPool's dilations): the
//   reference against the taps written out here, the Halide lowering against
//   the reference over strides, padding, ceil mode and 1-D (height 1)
//   windows. Tolerance 1e-7 * (1 + |want|) (a max selects an input: exact).
// - lstm with peepholes (ONNX LSTM's P): zero peepholes equal none on the
//   reference; the lowering against the reference (tolerance 1e-4 *
//   (1 + |want|), float32 through every step, as tests/recurrent_test.cpp).
// ONNX's own cases (tests/onnx_conformance_test.cpp: test_maxpool_2d_dilations,
// test_MaxPool{1,2}d_stride_padding_dilation, test_lstm_with_peepholes)
// check both end to end.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>

#include "ir/op.h"
#include "tests/codegen_test_util.h"

namespace kiln {
namespace {

const Halide::Target &host() {
  static const Halide::Target t = Halide::get_jit_target_from_environment();
  return t;
}

struct PoolCase {
  std::string name;
  ir::Shape x;
  std::vector<int64_t> kernel, stride, dilation, padding;  // padding: t, l, b, r
  bool ceil_mode = false;
};

void PrintTo(const PoolCase &c, std::ostream *os) { *os << c.name; }

ir::Attrs attrs_of(const PoolCase &c) {
  ir::Attrs a;
  a.set("kernel", c.kernel);
  a.set("stride", c.stride);
  a.set("dilation", c.dilation);
  a.set("padding", c.padding);
  a.set("ceil_mode", int64_t{c.ceil_mode});
  return a;
}

testing::OneNode pool_node(const PoolCase &c) {
  return testing::one_node("max_pool2d", {c.x}, attrs_of(c),
                           static_cast<uint32_t>(std::hash<std::string>{}(c.name)));
}

std::vector<reference::Tensor> run_reference(const testing::OneNode &g) {
  std::vector<const reference::Tensor *> in;
  for (const auto &t : g.inputs) in.push_back(&t);
  return reference::run_node(g.n(), in);
}

TEST(DilatedMaxPool, ReferenceReadsTheDilatedTaps) {
  // 1x1x5x5 input, 2x2 window, dilation 2, stride 1, no padding: output 3x3,
  // out(i, j) = max of x(i, j), x(i, j+2), x(i+2, j), x(i+2, j+2).
  PoolCase c{"taps", {1, 1, 5, 5}, {2, 2}, {1, 1}, {2, 2}, {0, 0, 0, 0}};
  testing::OneNode g = pool_node(c);
  ASSERT_EQ(g.graph.value(g.n().outputs[0]).type.shape, (ir::Shape{1, 1, 3, 3}));
  const std::vector<float> &x = g.inputs[0].data;
  reference::Tensor got = run_reference(g)[0];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      float want =
          std::max({x[i * 5 + j], x[i * 5 + j + 2], x[(i + 2) * 5 + j], x[(i + 2) * 5 + j + 2]});
      EXPECT_EQ(got.data[i * 3 + j], want) << i << "," << j;
    }
}

TEST(DilatedMaxPool, AbsentDilationIsOne) {
  PoolCase c{"ones", {1, 2, 6, 6}, {2, 2}, {2, 2}, {1, 1}, {0, 0, 0, 0}};
  testing::OneNode ones = pool_node(c);
  ir::Attrs absent;
  absent.set("kernel", c.kernel);
  absent.set("stride", c.stride);
  absent.set("padding", c.padding);
  testing::OneNode plain = testing::one_node(
      "max_pool2d", {c.x}, absent, static_cast<uint32_t>(std::hash<std::string>{}("ones")));
  EXPECT_FALSE(plain.n().attrs.has("dilation"));
  EXPECT_EQ(run_reference(plain)[0].data, run_reference(ones)[0].data);
}

class DilatedMaxPoolLowering : public ::testing::TestWithParam<PoolCase> {};

TEST_P(DilatedMaxPoolLowering, MatchesReference) {
  const PoolCase &c = GetParam();
  try {
    testing::OneNode g = pool_node(c);
    codegen::LowerRequest req = testing::lower_request(g, host());
    codegen::LoweredKernel k = codegen::lower_node(req);
    std::vector<reference::Tensor> got =
        testing::run_lowered(k, g.inputs, {req.outputs[0].shape}, host());
    std::string diff = testing::compare(got[0], run_reference(g)[0], 1e-7);
    EXPECT_TRUE(diff.empty()) << c.name << " (" << k.schedule << "): " << diff;
  } catch (const Halide::Error &e) {
    FAIL() << c.name << ": Halide error: " << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Pool, DilatedMaxPoolLowering,
    ::testing::Values(PoolCase{"d2_s1", {1, 2, 9, 9}, {3, 3}, {1, 1}, {2, 2}, {0, 0, 0, 0}},
                      PoolCase{"d2_s2_pad", {2, 3, 11, 10}, {2, 3}, {2, 2}, {2, 3}, {1, 1, 1, 1}},
                      PoolCase{
                          "d3_ceil", {1, 1, 12, 12}, {2, 2}, {2, 2}, {3, 3}, {0, 0, 0, 0}, true},
                      PoolCase{"one_d", {1, 4, 1, 17}, {1, 3}, {1, 2}, {1, 2}, {0, 1, 0, 1}},
                      PoolCase{"wide", {1, 2, 6, 40}, {2, 2}, {1, 1}, {1, 4}, {0, 0, 0, 0}}),
    [](const auto &info) { return info.param.name; });

ir::Attrs lstm_attrs(int64_t hidden, bool peepholes, bool bias = true, bool sequences = true) {
  ir::Attrs a;
  a.set("hidden_size", hidden);
  a.set("use_bias", int64_t{bias});
  a.set("return_sequences", int64_t{sequences});
  a.set("peepholes", int64_t{peepholes});
  return a;
}

TEST(LstmPeepholes, ZeroPeepholesEqualNone) {
  testing::OneNode with = testing::one_node("lstm", {{4, 2, 3}}, lstm_attrs(5, true), 3);
  testing::OneNode without = testing::one_node("lstm", {{4, 2, 3}}, lstm_attrs(5, false), 3);
  std::fill(with.inputs.back().data.begin(), with.inputs.back().data.end(), 0.0f);
  reference::Tensor a = run_reference(with)[0], b = run_reference(without)[0];
  EXPECT_EQ(a.data, b.data);
  // and nonzero ones change the result
  with.inputs.back().data.assign(with.inputs.back().data.size(), 0.5f);
  EXPECT_NE(run_reference(with)[0].data, b.data);
}

struct LstmCase {
  std::string name;
  ir::Shape x;
  ir::Attrs attrs;
};

void PrintTo(const LstmCase &c, std::ostream *os) { *os << c.name; }

class LstmPeepholeLowering : public ::testing::TestWithParam<LstmCase> {};

TEST_P(LstmPeepholeLowering, MatchesReference) {
  const LstmCase &c = GetParam();
  try {
    testing::OneNode g = testing::one_node("lstm", {c.x}, c.attrs,
                                           static_cast<uint32_t>(std::hash<std::string>{}(c.name)));
    codegen::LowerRequest req = testing::lower_request(g, host());
    codegen::LoweredKernel k = codegen::lower_node(req);
    std::vector<reference::Tensor> got =
        testing::run_lowered(k, g.inputs, {req.outputs[0].shape}, host());
    std::string diff = testing::compare(got[0], run_reference(g)[0], 1e-4);
    EXPECT_TRUE(diff.empty()) << c.name << " (" << k.schedule << "): " << diff;
  } catch (const Halide::Error &e) {
    FAIL() << c.name << ": Halide error: " << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Lstm, LstmPeepholeLowering,
                         ::testing::Values(LstmCase{"t1_n1_h3", {1, 1, 2}, lstm_attrs(3, true)},
                                           LstmCase{"t6_n3_h19", {6, 3, 4}, lstm_attrs(19, true)},
                                           LstmCase{"t4_n2_h8_nobias_last",
                                                    {4, 2, 3},
                                                    lstm_attrs(8, true, false, false)}),
                         [](const auto &info) { return info.param.name; });

}  // namespace
}  // namespace kiln
