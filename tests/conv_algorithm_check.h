// Shared by the convolution-algorithm tests (conv_im2col_test.cpp,
// conv_depthwise_test.cpp): a conv2d case with a chosen `algorithm`
// attribute, lowered through the op table (lower_conv2d dispatches on the
// attribute), JIT-run and compared with the reference interpreter.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "codegen/schedules/schedule_knobs.h"
#include "ir/verifier.h"
#include "tests/codegen_test_util.h"

namespace kiln::testing {

using conv_ints = std::vector<int64_t>;

struct ConvCase {
  std::string name;
  ir::Shape x;  // NCHW input
  ir::Attrs attrs;
  bool residual = false;  // the fused epilogue reads a residual of the output's shape
  double tol = 1e-4;
};

inline void PrintTo(const ConvCase &c, std::ostream *os) { *os << c.name; }

inline ConvCase conv_case(std::string name, ir::Shape x, int64_t filters, int64_t kh, int64_t kw,
                          std::initializer_list<std::pair<const char *, ir::AttrValue>> more = {}) {
  ConvCase c{std::move(name), std::move(x), {}};
  for (const auto &[k, v] : more) c.attrs.set(k, v);
  c.attrs.set("filters", filters);
  c.attrs.set("kernel", conv_ints{kh, kw});
  return c;
}

// act(z) + residual, then post: the ResNet tail when act = post = relu.
inline ConvCase with_epilogue(ConvCase c, const std::string &act, bool residual,
                              const std::string &post) {
  c.name += "_epi";
  if (act != "none") c.attrs.set("activation", act), c.name += "_" + act;
  if (residual) c.residual = true, c.name += "_res";
  if (post != "none") c.attrs.set("post_activation", post), c.name += "_post_" + post;
  return c;
}

inline const Halide::Target &jit_host() {
  static const Halide::Target t = Halide::get_jit_target_from_environment();
  return t;
}

// The case's one-node graph with attributes `a` (the case's, perhaps with
// more), and the residual input when the case has one.
inline OneNode conv_graph(const ConvCase &c, const ir::Attrs &a, uint32_t seed) {
  OneNode g = one_node("conv2d", {c.x}, a, seed);
  if (c.residual) {
    const ir::Shape out = g.graph.value(g.n().outputs[0]).type.shape;
    int r = g.graph.add_input("residual", {ir::DType::F32, out});
    g.graph.nodes[g.node].inputs.push_back(r);
    g.graph.nodes[g.node].attrs.set("has_residual", int64_t{1});
    g.inputs.push_back(random_tensor(out, seed + 4242));
    g.graph.mark_output(g.n().outputs[0]);
    ir::verify_or_throw(g.graph, c.name);
  }
  return g;
}

inline uint32_t case_seed(const ConvCase &c) {
  return static_cast<uint32_t>(std::hash<std::string>{}(c.name));
}

// Runs kernel `k` (lowered from `req`) on g's inputs and compares every
// output with the reference interpreter; returns the kernel's schedule.
inline std::string expect_kernel_matches_reference(const ConvCase &c, const OneNode &g,
                                                   const codegen::LowerRequest &req,
                                                   codegen::LoweredKernel k) {
  std::vector<ir::Shape> out_shapes;
  for (const auto &t : req.outputs) out_shapes.push_back(t.shape);
  std::vector<reference::Tensor> got = run_lowered(k, g.inputs, out_shapes, jit_host());
  std::vector<const reference::Tensor *> in;
  for (const auto &t : g.inputs) in.push_back(&t);
  std::vector<reference::Tensor> want = reference::run_node(g.n(), in);
  EXPECT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size() && i < want.size(); i++) {
    std::string diff = compare(got[i], want[i], c.tol);
    EXPECT_TRUE(diff.empty()) << c.name << " (" << k.schedule << "): " << diff;
  }
  return k.schedule;
}

// Lowers the case with `algorithm`, runs it and compares; returns the
// kernel's schedule description for further checks.
inline std::string check_conv_algorithm(const ConvCase &c, const std::string &algorithm) {
  ir::Attrs a = c.attrs;
  a.set("algorithm", algorithm);
  OneNode g = conv_graph(c, a, case_seed(c));
  codegen::LowerRequest req = lower_request(g, jit_host());
  return expect_kernel_matches_reference(c, g, req, codegen::lower_node(req));
}

// Attribute shorthands of the depthwise tests.
inline ir::AttrValue pads(int64_t t, int64_t l, int64_t b, int64_t r) {
  return conv_ints{t, l, b, r};
}
inline const std::pair<const char *, ir::AttrValue> kSame{"padding", std::string("same")};
inline const std::pair<const char *, ir::AttrValue> kStride2{"stride", conv_ints{2, 2}};

// A k x k depthwise conv of x (NCHW) with `multiplier` filters per channel.
inline ConvCase depthwise_case(
    std::string name, ir::Shape x, int64_t multiplier, int64_t k,
    std::initializer_list<std::pair<const char *, ir::AttrValue>> more = {}) {
  ConvCase c = conv_case(std::move(name), x, x[1] * multiplier, k, k, more);
  c.attrs.set("groups", x[1]);
  return c;
}

// The one-node graph of `c` with algorithm depthwise (and its residual).
inline OneNode depthwise_graph(const ConvCase &c, uint32_t seed) {
  ir::Attrs a = c.attrs;
  a.set("algorithm", std::string("depthwise"));
  return conv_graph(c, a, seed);
}

// Lowers `c` as a depthwise conv with `knobs` (empty: the default
// heuristic), runs it and compares with the reference; returns the schedule.
inline std::string check_depthwise(const ConvCase &c,
                                   const codegen::schedules::ScheduleKnobs &knobs = {}) {
  OneNode g = depthwise_graph(c, case_seed(c));
  codegen::LowerRequest req = lower_request(g, jit_host());
  req.tuned = knobs;
  return expect_kernel_matches_reference(c, g, req, codegen::lower_node(req));
}

// The body of the parameterized algorithm tests: `c` under `algorithm`
// matches the reference and its schedule mentions `schedule_marker`. A
// Halide::Error is not a std::exception, so gtest would lose its message.
inline void expect_conv_algorithm(const ConvCase &c, const std::string &algorithm,
                                  const std::string &schedule_marker) {
  try {
    std::string schedule = check_conv_algorithm(c, algorithm);
    EXPECT_NE(schedule.find(schedule_marker), std::string::npos) << schedule;
  } catch (const Halide::Error &e) {
    FAIL() << c.name << ": Halide error: " << e.what();
  }
}

// Test names from the cases' names.
inline std::string conv_case_name(const ::testing::TestParamInfo<ConvCase> &info) {
  return info.param.name;
}

// Edge cases of a 3x3 stride-1 conv for the Winograd kernels: sizes that do
// not divide the tiles, padding modes, batch, no bias, tails, epilogues.
inline std::vector<ConvCase> winograd_cases() {
  auto same = std::make_pair("padding", ir::AttrValue(std::string("same")));
  return {
      // Sizes that do not divide the tiles; channels not a multiple of the vector.
      conv_case("odd_7x9_same", {1, 3, 7, 9}, 5, 3, 3, {same}),
      conv_case("valid_9x7", {1, 5, 9, 7}, 6, 3, 3),
      // A 1x1 output: one tile, mostly dropped.
      conv_case("out_1x1", {1, 4, 3, 3}, 3, 3, 3),
      conv_case("batch3_same", {3, 6, 10, 11}, 7, 3, 3, {same}),
      conv_case("reflect", {1, 4, 9, 13}, 5, 3, 3,
                {same, {"padding_mode", std::string("reflect")}}),
      conv_case("replicate", {2, 3, 11, 6}, 4, 3, 3,
                {same, {"padding_mode", std::string("replicate")}}),
      conv_case("pads_asym", {1, 3, 8, 10}, 4, 3, 3, {{"padding", conv_ints{2, 0, 1, 2}}}),
      conv_case("no_bias", {1, 9, 12, 12}, 10, 3, 3, {same, {"use_bias", int64_t{0}}}),
      // Several GEMM tile blocks, channel blocks and tasks, with tails.
      conv_case("blocks_37x29", {1, 20, 37, 29}, 40, 3, 3, {same}),
      with_epilogue(conv_case("epi", {2, 5, 13, 9}, 11, 3, 3, {same}), "relu", true, "relu"),
      with_epilogue(conv_case("epi_tanh", {1, 6, 10, 10}, 6, 3, 3), "tanh", false, "none"),
  };
}

}  // namespace kiln::testing
