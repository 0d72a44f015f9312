// conv3d, max_pool3d and avg_pool3d (NCDHW): the reference interpreter on
// hand-computed cases and against PyTorch's torch.nn.functional (float64,
// through /usr/bin/python3; skipped where torch is missing), and the Halide
// lowerings against the reference (asymmetric padding, ceil mode, groups,
// dilation, widths under and over a vector).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "codegen/lowering.h"
#include "ir/errors.h"
#include "ir/op.h"
#include "reference/interpreter.h"
#include "tests/codegen_test_util.h"
#include "tests/test_util.h"
#include "tests/torch_batch_oracle.h"

namespace kiln {
namespace {

using ints = std::vector<int64_t>;

const Halide::Target &host() {
  static const Halide::Target t = Halide::get_jit_target_from_environment();
  return t;
}

// One op with its data shape and attributes, run both ways.
struct Case {
  std::string name, op;
  ir::Shape x;
  ir::Attrs attrs;
};

ir::Attrs conv_attrs(int64_t filters, ints kernel, ints stride, ints dilation, ints pads,
                     int64_t groups, bool bias) {
  ir::Attrs a;
  a.set("filters", filters);
  a.set("kernel", kernel);
  a.set("stride", stride);
  a.set("dilation", dilation);
  a.set("pads", pads);
  a.set("groups", groups);
  a.set("use_bias", int64_t{bias});
  return a;
}

ir::Attrs pool_attrs(ints kernel, ints stride, ints pads, bool ceil_mode) {
  ir::Attrs a;
  a.set("kernel", kernel);
  a.set("stride", stride);
  a.set("pads", pads);
  a.set("ceil_mode", int64_t{ceil_mode});
  return a;
}

ir::Attrs with(ir::Attrs a, const std::string &name, ir::AttrValue v) {
  a.set(name, std::move(v));
  return a;
}

// ---------------------------------------------------------- hand-computed

TEST(Reference3d, HandComputedPooling) {
  // x = 1..8 in a 2x2x2 cube: one window covers it all.
  std::vector<float> cube = {1, 2, 3, 4, 5, 6, 7, 8};
  ir::Graph g;
  int x = g.add_input("x", {ir::DType::F32, {1, 1, 2, 2, 2}});
  ir::Attrs a = pool_attrs({2, 2, 2}, {1, 1, 1}, {0, 0, 0, 0, 0, 0}, false);
  int mx = g.add_node("max_pool3d", "mx", {x}, a);
  int av = g.add_node("avg_pool3d", "av", {x}, a);
  // With one pad on every side and a 2-window of stride 2: 8 windows each
  // holding one element (count_include_pad: divided by 8).
  int padded = g.add_node("avg_pool3d", "padded", {x},
                          with(pool_attrs({2, 2, 2}, {2, 2, 2}, {1, 1, 1, 1, 1, 1}, false),
                               "count_include_pad", int64_t{1}));
  reference::Tensor t({1, 1, 2, 2, 2}, cube);
  const ir::Node &nm = g.node(mx), &na = g.node(av), &np = g.node(padded);
  EXPECT_EQ(reference::run_node(nm, {&t})[0].data, std::vector<float>{8});
  EXPECT_EQ(reference::run_node(na, {&t})[0].data, std::vector<float>{4.5f});
  std::vector<float> want;
  for (float v : cube) want.push_back(v / 8);
  EXPECT_EQ(reference::run_node(np, {&t})[0].data, want);
}

TEST(Reference3d, HandComputedConvolution) {
  // Ones through a 2x2x2 all-ones kernel with one pad: each output counts
  // the input cells its window covers (corners 1, edges 2, ..., center 8).
  ir::Graph g;
  int x = g.add_input("x", {ir::DType::F32, {1, 1, 2, 2, 2}});
  int w = g.add_param("w", {ir::DType::F32, {1, 1, 2, 2, 2}}, std::vector<float>(8, 1.0f));
  int b = g.add_param("b", {ir::DType::F32, {1}}, {0.5f});
  int c = g.add_node("conv3d", "c", {x, w, b},
                     conv_attrs(1, {2, 2, 2}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1, 1, 1, 1}, 1, true));
  reference::Tensor ones({1, 1, 2, 2, 2}, std::vector<float>(8, 1.0f));
  reference::Tensor wt({1, 1, 2, 2, 2}, std::vector<float>(8, 1.0f)), bt({1}, {0.5f});
  reference::Tensor y = reference::run_node(g.node(c), {&ones, &wt, &bt})[0];
  ASSERT_EQ(y.shape, (ir::Shape{1, 1, 3, 3, 3}));
  for (int64_t d = 0; d < 3; d++)
    for (int64_t h = 0; h < 3; h++)
      for (int64_t v = 0; v < 3; v++) {
        auto span = [](int64_t o) { return o == 1 ? 2.0f : 1.0f; };
        EXPECT_EQ(y.data[(d * 3 + h) * 3 + v], span(d) * span(h) * span(v) + 0.5f);
      }
}

TEST(Reference3d, ShapeRules) {
  ir::Graph g;
  int x = g.add_input("x", {ir::DType::F32, {2, 4, 5, 6, 7}});
  int w = g.add_param("w", {ir::DType::F32, {6, 2, 3, 1, 2}}, std::vector<float>(72));
  int c = g.add_node("conv3d", "c", {x, w},
                     conv_attrs(6, {3, 1, 2}, {2, 1, 3}, {1, 1, 2}, {1, 0, 0, 1, 0, 2}, 2, false));
  EXPECT_EQ(g.value(g.node(c).outputs[0]).type.shape, (ir::Shape{2, 6, 3, 6, 3}));
  // Ceil mode keeps a last window that starts inside the input.
  int p = g.add_node("max_pool3d", "p", {x},
                     pool_attrs({2, 2, 2}, {2, 2, 2}, {0, 0, 0, 0, 0, 0}, true));
  EXPECT_EQ(g.value(g.node(p).outputs[0]).type.shape, (ir::Shape{2, 4, 3, 3, 4}));
  EXPECT_THROW(g.add_node("avg_pool3d", "q", {x},
                          pool_attrs({2, 2, 2}, {1, 1, 1}, {2, 0, 0, 0, 0, 0}, false)),
               UserError);
}

// ------------------------------------------------------- against PyTorch

// Each case's inputs go to a file; one Python run computes every case with
// torch.nn.functional in float64. PyTorch pads symmetrically, so these cases
// do (the lowering tests below cover asymmetric pads against the reference).
const char *kTorchScript = R"PY(
import sys
import numpy as np
import torch
import torch.nn.functional as F
d = sys.argv[1]
for line in open(d + "/cases.txt"):
    f = line.split()
    op, k, v = f[0], f[1], [int(t) for t in f[2:]]
    data = np.fromfile(d + "/in_" + k + ".f32", dtype=np.float32).astype(np.float64)
    N, C, D, H, W = v[:5]
    n = N * C * D * H * W
    x = torch.from_numpy(data[:n]).reshape(N, C, D, H, W)
    if op == "conv3d":
        M, g, ks, s, dl, p, bias = v[5], v[6], v[7:10], v[10:13], v[13:16], v[16:19], v[19]
        nw = M * (C // g) * ks[0] * ks[1] * ks[2]
        w = torch.from_numpy(data[n:n + nw]).reshape(M, C // g, *ks)
        b = torch.from_numpy(data[n + nw:n + nw + M]) if bias else None
        y = F.conv3d(x, w, b, stride=s, padding=p, dilation=dl, groups=g)
    elif op == "max_pool3d":
        ks, s, dl, p, ceil = v[5:8], v[8:11], v[11:14], v[14:17], v[17]
        y = F.max_pool3d(x, ks, s, p, dl, ceil_mode=bool(ceil))
    else:
        ks, s, p, ceil, inc = v[5:8], v[8:11], v[11:14], v[14], v[15]
        y = F.avg_pool3d(x, ks, s, p, ceil_mode=bool(ceil), count_include_pad=bool(inc))
    y.numpy().astype(np.float32).tofile(d + "/out_" + k + ".f32")
)PY";

struct TorchCase {
  std::string op;
  ir::Shape x;
  ir::Attrs attrs;
};

// The line of cases.txt: the op, its index, then the numbers the script reads.
std::string torch_line(const TorchCase &c, size_t k) {
  std::ostringstream s;
  s << c.op << " " << k;
  for (int64_t d : c.x) s << " " << d;
  auto put = [&](const std::string &name) {
    for (int64_t v : c.attrs.get_ints(name)) s << " " << v;
  };
  auto first_half_of_pads = [&] {
    const ints &p = c.attrs.get_ints("pads");
    s << " " << p[0] << " " << p[1] << " " << p[2];
  };
  if (c.op == "conv3d") {
    s << " " << c.attrs.get_int("filters") << " " << c.attrs.get_int("groups");
    put("kernel"), put("stride"), put("dilation"), first_half_of_pads();
    s << " " << c.attrs.get_int("use_bias");
  } else if (c.op == "max_pool3d") {
    put("kernel"), put("stride"), put("dilation"), first_half_of_pads();
    s << " " << c.attrs.get_int("ceil_mode");
  } else {
    put("kernel"), put("stride"), first_half_of_pads();
    s << " " << c.attrs.get_int("ceil_mode") << " " << c.attrs.get_int("count_include_pad");
  }
  return s.str() + "\n";
}

TEST(Reference3d, MatchesPyTorch) {
  if (testing::run_shell("/usr/bin/python3 -c 'import torch, numpy'").exit_code != 0)
    GTEST_SKIP() << "/usr/bin/python3 has no torch";
  const ints one = {1, 1, 1}, none = {0, 0, 0, 0, 0, 0};
  const ir::Attrs max_dil =
      with(pool_attrs({3, 2, 2}, {2, 1, 2}, {1, 1, 0, 1, 1, 0}, false), "dilation", ints{1, 2, 1});
  std::vector<TorchCase> cases = {
      {"conv3d", {2, 3, 5, 6, 7}, conv_attrs(4, {3, 3, 3}, one, one, none, 1, true)},
      {"conv3d",
       {1, 4, 6, 5, 9},
       conv_attrs(6, {2, 3, 2}, {2, 1, 3}, {2, 1, 2}, {1, 1, 2, 1, 1, 2}, 2, true)},
      {"conv3d",
       {1, 2, 4, 4, 4},
       conv_attrs(3, {1, 2, 3}, {1, 2, 1}, one, {0, 1, 1, 0, 1, 1}, 1, false)},
      {"max_pool3d",
       {2, 3, 6, 7, 8},
       with(pool_attrs({2, 2, 2}, {2, 2, 2}, none, false), "dilation", one)},
      {"max_pool3d", {1, 2, 7, 6, 9}, max_dil},
      {"max_pool3d",
       {1, 2, 5, 5, 7},
       with(pool_attrs({3, 3, 3}, {2, 2, 2}, {1, 1, 1, 1, 1, 1}, true), "dilation", one)},
      {"avg_pool3d",
       {2, 3, 6, 7, 8},
       with(pool_attrs({2, 3, 2}, {2, 2, 1}, none, false), "count_include_pad", int64_t{0})},
      {"avg_pool3d",
       {1, 2, 5, 6, 7},
       with(pool_attrs({3, 3, 3}, {2, 2, 2}, {1, 1, 1, 1, 1, 1}, true), "count_include_pad",
            int64_t{1})},
      {"avg_pool3d",
       {1, 2, 5, 6, 7},
       with(pool_attrs({3, 3, 3}, {2, 2, 2}, {1, 1, 1, 1, 1, 1}, true), "count_include_pad",
            int64_t{0})},
  };
  std::string lines;
  std::vector<testing::OneNode> graphs;
  for (size_t k = 0; k < cases.size(); k++) {
    graphs.push_back(testing::one_node(cases[k].op, {cases[k].x}, cases[k].attrs, 100 + k));
    lines += torch_line(cases[k], k);
  }
  std::vector<std::vector<float>> outs = testing::torch_batch_outputs(kTorchScript, graphs, lines);
  ASSERT_EQ(outs.size(), cases.size());
  for (size_t k = 0; k < cases.size(); k++) {
    reference::Tensor want = testing::reference_output(graphs[k]);
    reference::Tensor torch(want.shape, outs[k]);
    ASSERT_EQ(torch.numel(), want.numel()) << lines;
    EXPECT_EQ(testing::compare(want, torch, 1e-5), "") << "case " << k << ": " << cases[k].op;
  }
}

// ------------------------------------------------- lowering vs reference

std::vector<Case> lowering_cases() {
  const ints one = {1, 1, 1}, none = {0, 0, 0, 0, 0, 0};
  return {
      {"conv_plain", "conv3d", {1, 3, 4, 5, 6}, conv_attrs(4, {3, 3, 3}, one, one, none, 1, true)},
      {"conv_wide_padded",
       "conv3d",
       {2, 2, 3, 4, 37},
       conv_attrs(3, {2, 3, 3}, one, one, {1, 1, 1, 0, 1, 2}, 1, true)},
      {"conv_groups_strided_dilated",
       "conv3d",
       {1, 4, 7, 6, 20},
       conv_attrs(6, {2, 2, 3}, {2, 1, 2}, {2, 2, 1}, {1, 0, 1, 1, 0, 1}, 2, false)},
      {"conv_depthwise",
       "conv3d",
       {1, 3, 3, 3, 17},
       conv_attrs(3, {1, 3, 3}, one, one, {0, 1, 1, 0, 1, 1}, 3, true)},
      {"max_plain", "max_pool3d", {2, 3, 4, 6, 8}, pool_attrs({2, 2, 2}, {2, 2, 2}, none, false)},
      {"max_padded_ceil",
       "max_pool3d",
       {1, 2, 5, 7, 19},
       pool_attrs({3, 3, 3}, {2, 2, 2}, {1, 0, 1, 0, 1, 1}, true)},
      {"max_dilated",
       "max_pool3d",
       {1, 2, 7, 6, 21},
       with(pool_attrs({2, 2, 3}, {1, 2, 1}, {0, 1, 1, 1, 0, 1}, false), "dilation",
            ints{2, 1, 2})},
      {"avg_plain", "avg_pool3d", {2, 3, 4, 6, 8}, pool_attrs({2, 2, 2}, {2, 2, 2}, none, false)},
      {"avg_padded_exclude",
       "avg_pool3d",
       {1, 2, 5, 7, 19},
       pool_attrs({3, 3, 3}, {2, 2, 2}, {1, 1, 1, 0, 1, 2}, true)},
      {"avg_padded_include",
       "avg_pool3d",
       {1, 2, 5, 7, 19},
       with(pool_attrs({3, 2, 3}, {2, 1, 2}, {1, 1, 1, 1, 0, 2}, true), "count_include_pad",
            int64_t{1})},
  };
}

class Lowering3d : public ::testing::TestWithParam<Case> {};

TEST_P(Lowering3d, MatchesReference) {
  const Case &c = GetParam();
  testing::OneNode g = testing::one_node(c.op, {c.x}, c.attrs, 7);
  codegen::LowerRequest req = testing::lower_request(g, host());
  codegen::LoweredKernel k = codegen::lower_node(req);
  reference::Tensor got = testing::run_lowered(k, g.inputs, {req.outputs[0].shape}, host())[0];
  EXPECT_EQ(testing::compare(got, testing::reference_output(g), 1e-5), "")
      << c.name << ": " << k.schedule;
}

INSTANTIATE_TEST_SUITE_P(Ops, Lowering3d, ::testing::ValuesIn(lowering_cases()),
                         [](const auto &info) { return info.param.name; });

}  // namespace
}  // namespace kiln
