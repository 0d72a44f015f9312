// conv_transpose3d (NCDHW): the shape rule, the reference interpreter against
// PyTorch's torch.nn.functional.conv_transpose3d (float64, through
// /usr/bin/python3; skipped where torch is missing), and the Halide lowering
// against the reference (strides, dilation, groups, asymmetric pads, output
// padding, widths under and over a vector).
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

ir::Attrs attrs(int64_t filters, ints kernel, ints stride, ints dilation, ints pads,
                ints output_padding, int64_t groups, bool bias) {
  ir::Attrs a;
  a.set("filters", filters);
  a.set("kernel", kernel);
  a.set("stride", stride);
  a.set("dilation", dilation);
  a.set("pads", pads);
  a.set("output_padding", output_padding);
  a.set("groups", groups);
  a.set("use_bias", int64_t{bias});
  return a;
}

struct Case {
  std::string name;
  ir::Shape x;
  ir::Attrs attrs;
};

const ints one = {1, 1, 1}, zero = {0, 0, 0}, none = {0, 0, 0, 0, 0, 0};

TEST(ConvTranspose3dShape, FollowsTheFormula) {
  ir::Graph g;
  int x = g.add_input("x", {ir::DType::F32, {2, 4, 3, 5, 6}});
  int w = g.add_param("w", {ir::DType::F32, {4, 3, 3, 2, 2}}, std::vector<float>(144));
  // (in - 1) * stride + (kernel - 1) * dilation + 1 + output_padding - pads
  int c = g.add_node(
      "conv_transpose3d", "c", {x, w},
      attrs(6, {3, 2, 2}, {2, 1, 3}, {1, 2, 1}, {1, 0, 0, 0, 1, 2}, {1, 0, 2}, 2, false));
  EXPECT_EQ(g.value(g.node(c).outputs[0]).type.shape, (ir::Shape{2, 6, 7, 6, 17}));
  // Output padding must be a step the stride or the dilation skipped.
  EXPECT_THROW(g.add_node("conv_transpose3d", "d", {x, w},
                          attrs(6, {3, 2, 2}, one, one, none, {1, 0, 0}, 2, false)),
               UserError);
  // The weight is [in_channels, filters / groups, kd, kh, kw].
  EXPECT_THROW(g.add_node("conv_transpose3d", "e", {x, w},
                          attrs(6, {3, 2, 2}, one, one, none, zero, 1, false)),
               UserError);
}

// The inputs go to files; one Python run computes every case in float64.
// PyTorch crops symmetrically, so these cases do (the lowering tests below
// cover asymmetric pads against the reference).
const char *kTorchScript = R"PY(
import sys
import numpy as np
import torch
import torch.nn.functional as F
d = sys.argv[1]
for line in open(d + "/cases.txt"):
    f = line.split()
    k, v = f[0], [int(t) for t in f[1:]]
    data = np.fromfile(d + "/in_" + k + ".f32", dtype=np.float32).astype(np.float64)
    N, C, D, H, W = v[:5]
    M, g, ks, s, dl, p, op, bias = v[5], v[6], v[7:10], v[10:13], v[13:16], v[16:19], v[19:22], v[22]
    n = N * C * D * H * W
    x = torch.from_numpy(data[:n]).reshape(N, C, D, H, W)
    nw = C * (M // g) * ks[0] * ks[1] * ks[2]
    w = torch.from_numpy(data[n:n + nw]).reshape(C, M // g, *ks)
    b = torch.from_numpy(data[n + nw:n + nw + M]) if bias else None
    y = F.conv_transpose3d(x, w, b, stride=s, padding=p, output_padding=op, groups=g, dilation=dl)
    y.numpy().astype(np.float32).tofile(d + "/out_" + k + ".f32")
)PY";

std::string torch_line(const Case &c, size_t k) {
  std::ostringstream s;
  s << k;
  for (int64_t d : c.x) s << " " << d;
  s << " " << c.attrs.get_int("filters") << " " << c.attrs.get_int("groups");
  for (const char *name : {"kernel", "stride", "dilation"})
    for (int64_t v : c.attrs.get_ints(name)) s << " " << v;
  const ints &p = c.attrs.get_ints("pads");
  s << " " << p[0] << " " << p[1] << " " << p[2];
  for (int64_t v : c.attrs.get_ints("output_padding")) s << " " << v;
  s << " " << c.attrs.get_int("use_bias") << "\n";
  return s.str();
}

TEST(ConvTranspose3dReference, MatchesPyTorch) {
  if (testing::run_shell("/usr/bin/python3 -c 'import torch, numpy'").exit_code != 0)
    GTEST_SKIP() << "/usr/bin/python3 has no torch";
  std::vector<Case> cases = {
      {"plain", {2, 3, 3, 4, 5}, attrs(4, {3, 3, 3}, one, one, none, zero, 1, true)},
      {"strided_padded",
       {1, 4, 3, 4, 3},
       attrs(6, {3, 2, 3}, {2, 3, 2}, one, {1, 0, 1, 1, 0, 1}, {1, 2, 0}, 2, true)},
      {"dilated",
       {1, 2, 4, 3, 5},
       attrs(3, {2, 3, 2}, {1, 2, 2}, {2, 1, 3}, {0, 1, 1, 0, 1, 1}, {1, 0, 2}, 1, false)},
      {"depthwise", {2, 3, 2, 3, 4}, attrs(3, {2, 2, 2}, {2, 2, 2}, one, none, zero, 3, true)},
  };
  std::string lines;
  std::vector<testing::OneNode> graphs;
  for (size_t k = 0; k < cases.size(); k++) {
    graphs.push_back(testing::one_node("conv_transpose3d", {cases[k].x}, cases[k].attrs, 50 + k));
    lines += torch_line(cases[k], k);
  }
  std::vector<std::vector<float>> outs = testing::torch_batch_outputs(kTorchScript, graphs, lines);
  ASSERT_EQ(outs.size(), cases.size());
  for (size_t k = 0; k < cases.size(); k++) {
    reference::Tensor want = testing::reference_output(graphs[k]);
    reference::Tensor torch(want.shape, outs[k]);
    ASSERT_EQ(torch.numel(), want.numel()) << lines;
    EXPECT_EQ(testing::compare(want, torch, 1e-5), "") << cases[k].name;
  }
}

std::vector<Case> lowering_cases() {
  return {
      {"plain", {1, 3, 3, 4, 5}, attrs(4, {3, 3, 3}, one, one, none, zero, 1, true)},
      {"strided_asymmetric_pads",
       {2, 2, 3, 4, 11},
       attrs(3, {3, 2, 3}, {2, 3, 2}, one, {1, 0, 2, 0, 1, 1}, {1, 2, 1}, 1, true)},
      {"groups_dilated",
       {1, 4, 3, 3, 9},
       attrs(6, {2, 3, 2}, {1, 2, 3}, {2, 1, 2}, {0, 1, 0, 1, 0, 2}, {1, 0, 1}, 2, false)},
      {"stride_over_kernel",
       {1, 2, 2, 3, 4},
       attrs(2, {1, 2, 2}, {3, 3, 3}, one, none, zero, 1, true)},
  };
}

class ConvTranspose3dLowering : public ::testing::TestWithParam<Case> {};

TEST_P(ConvTranspose3dLowering, MatchesReference) {
  const Case &c = GetParam();
  testing::OneNode g = testing::one_node("conv_transpose3d", {c.x}, c.attrs, 7);
  codegen::LowerRequest req = testing::lower_request(g, host());
  codegen::LoweredKernel k = codegen::lower_node(req);
  reference::Tensor got = testing::run_lowered(k, g.inputs, {req.outputs[0].shape}, host())[0];
  EXPECT_EQ(testing::compare(got, testing::reference_output(g), 1e-5), "")
      << c.name << ": " << k.schedule;
}

INSTANTIATE_TEST_SUITE_P(Ops, ConvTranspose3dLowering, ::testing::ValuesIn(lowering_cases()),
                         [](const auto &info) { return info.param.name; });

}  // namespace
}  // namespace kiln
