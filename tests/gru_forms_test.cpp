// gru's two forms (ir/ops/recurrent.h): linear_before_reset true (PyTorch's,
// the default) and false (ONNX's default GRU, n = tanh(W_n x + b_in +
// R_n (r * h) + b_hn)). The reference's false form against the formula
// written out here in double; the Halide lowering against the reference
// for both forms over a few shapes (one step and many, hidden sizes below
// and above the vector width, no biases, the last state only, a scalar
// schedule). ONNX's own GRU cases (tests/onnx_conformance_test.cpp) check
// the false form end to end.
//
// Tolerances, as |got - want| <= tol * (1 + |want|): 1e-5 reference vs the
// formula (both double, float32 output); 1e-4 compiled vs reference.
#include <gtest/gtest.h>

#include <cmath>

#include "codegen/ops/recurrent.h"
#include "ir/op.h"
#include "tests/codegen_test_util.h"

namespace kiln {
namespace {

const Halide::Target &host() {
  static const Halide::Target t = Halide::get_jit_target_from_environment();
  return t;
}

ir::Attrs gru_attrs(int64_t hidden, bool linear_before_reset, bool sequences = true,
                    bool bias = true) {
  ir::Attrs a;
  a.set("hidden_size", hidden);
  a.set("return_sequences", int64_t{sequences});
  a.set("use_bias", int64_t{bias});
  a.set("linear_before_reset", int64_t{linear_before_reset});
  return a;
}

std::vector<reference::Tensor> run_reference(const testing::OneNode &g) {
  std::vector<const reference::Tensor *> in;
  for (const auto &t : g.inputs) in.push_back(&t);
  return reference::run_node(g.n(), in);
}

// ONNX's GRU equations (linear_before_reset = 0) in kiln's gate order r, z, n.
reference::Tensor formula(const testing::OneNode &g, int64_t H) {
  const reference::Tensor &x = g.inputs[0], &w = g.inputs[1], &r = g.inputs[2], &bw = g.inputs[3],
                          &br = g.inputs[4];
  const int64_t T = x.shape[0], N = x.shape[1], I = x.shape[2];
  reference::Tensor y({T, N, H});
  auto sig = [](double v) { return 1 / (1 + std::exp(-v)); };
  for (int64_t n = 0; n < N; n++) {
    std::vector<double> h(H, 0.0);
    for (int64_t t = 0; t < T; t++) {
      auto wx = [&](int64_t row) {
        double s = bw.data[row];
        for (int64_t i = 0; i < I; i++)
          s += double(w.data[row * I + i]) * x.data[(t * N + n) * I + i];
        return s;
      };
      auto rh = [&](int64_t row, const std::vector<double> &v) {
        double s = br.data[row];
        for (int64_t k = 0; k < H; k++) s += double(r.data[row * H + k]) * v[k];
        return s;
      };
      std::vector<double> rt(H), zt(H), rh_prev(H), next(H);
      for (int64_t m = 0; m < H; m++) {
        rt[m] = sig(wx(m) + rh(m, h));
        zt[m] = sig(wx(H + m) + rh(H + m, h));
        rh_prev[m] = rt[m] * h[m];
      }
      for (int64_t m = 0; m < H; m++) {
        double ht = std::tanh(wx(2 * H + m) + rh(2 * H + m, rh_prev));
        next[m] = (1 - zt[m]) * ht + zt[m] * h[m];
      }
      h = next;
      for (int64_t m = 0; m < H; m++) y.data[(t * N + n) * H + m] = float(h[m]);
    }
  }
  return y;
}

TEST(GruForms, ReferenceResetAfterMatchesTheFormula) {
  const int64_t H = 6;
  testing::OneNode g = testing::one_node("gru", {{4, 2, 3}}, gru_attrs(H, false), 7);
  reference::Tensor want = formula(g, H);
  std::string diff = testing::compare(run_reference(g)[0], want, 1e-5);
  EXPECT_TRUE(diff.empty()) << diff;
}

TEST(GruForms, TheFormsDiffer) {
  testing::OneNode before = testing::one_node("gru", {{3, 1, 2}}, gru_attrs(5, true), 11);
  testing::OneNode after = testing::one_node("gru", {{3, 1, 2}}, gru_attrs(5, false), 11);
  EXPECT_FALSE(testing::compare(run_reference(before)[0], run_reference(after)[0], 1e-4).empty());
}

TEST(GruForms, AbsentIsLinearBeforeReset) {
  ir::Attrs absent;
  absent.set("hidden_size", int64_t{5});
  EXPECT_FALSE(ir::normalize_attrs(ir::get_op("gru"), absent, "test").has("linear_before_reset"));
  testing::OneNode plain = testing::one_node("gru", {{3, 1, 2}}, absent, 11);
  testing::OneNode before = testing::one_node("gru", {{3, 1, 2}}, gru_attrs(5, true), 11);
  EXPECT_EQ(run_reference(plain)[0].data, run_reference(before)[0].data);
}

struct Case {
  std::string name;
  ir::Shape x;
  ir::Attrs attrs;
  bool scalar = false;
};

void PrintTo(const Case &c, std::ostream *os) { *os << c.name; }

class GruFormsLowering : public ::testing::TestWithParam<Case> {};

TEST_P(GruFormsLowering, MatchesReference) {
  const Case &c = GetParam();
  try {
    testing::OneNode g = testing::one_node("gru", {c.x}, c.attrs,
                                           static_cast<uint32_t>(std::hash<std::string>{}(c.name)));
    codegen::LowerRequest req = testing::lower_request(g, host());
    codegen::LoweredKernel k =
        c.scalar ? codegen::ops::lower_recurrent_with(req, {1, false}) : codegen::lower_node(req);
    std::vector<reference::Tensor> got =
        testing::run_lowered(k, g.inputs, {req.outputs[0].shape}, host());
    std::string diff = testing::compare(got[0], run_reference(g)[0], 1e-4);
    EXPECT_TRUE(diff.empty()) << c.name << " (" << k.schedule << "): " << diff;
  } catch (const Halide::Error &e) {
    FAIL() << c.name << ": Halide error: " << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Gru, GruFormsLowering,
    ::testing::Values(
        Case{"after_t1_n1_h3", {1, 1, 2}, gru_attrs(3, false)},
        Case{"after_t5_n3_h21", {5, 3, 4}, gru_attrs(21, false)},
        Case{"after_t4_n2_h9_last_nobias", {4, 2, 3}, gru_attrs(9, false, false, false)},
        Case{"after_t3_n2_h10_scalar", {3, 2, 3}, gru_attrs(10, false), true},
        Case{"before_t5_n2_h12", {5, 2, 4}, gru_attrs(12, true)}),
    [](const auto &info) { return info.param.name; });

}  // namespace
}  // namespace kiln
