// The cost model's choice for strided 1x1 convs (ResNet-50's projection
// shortcuts) with the constants fitted on this machine: `auto` sends them
// to im2col (the 1x1 GEMM, its A panel gathered from every stride-th pixel).
//
// Measured (onednn_conv_bench --set resnet50 --threads 2 --kiln-algo
// direct|im2col, AMD EPYC Zen 3, 2 vCPUs, AVX2; ms, medians, quiet runs in
// docs/performance.md):
//   l2_down_s2 256x56x56>512 s2:   direct 2.22-2.89, im2col 1.23-1.52
//   l3_down_s2 512x28x28>1024 s2:  direct 2.89-2.94, im2col 1.34-1.52
//   l4_down_s2 1024x14x14>2048 s2: direct 5.46-5.58, im2col 2.12-2.16
// and in bench/conv_algo_table.run3/run4 im2col beat direct on all five
// strided 1x1 shapes (10 of 10 pairs). The general "im2col" fit (its
// reduction constant fitted on 3x3 windows) predicted direct 1.18x faster
// on l2_down_s2; the strided 1x1 now takes the "im2col_gemm" fit, which
// predicts im2col 1.44 / 1.48 / 1.88 ms against direct 2.44 / 2.85 / 5.22.
#include <gtest/gtest.h>

#include "ir/graph.h"
#include "passes/conv_cost_model.h"
#include "passes/select_algorithm.h"

namespace kiln {
namespace {

struct Layer {
  const char *name;
  int64_t c, hw, f, k, stride;
};

ir::Graph one_conv(const Layer &l) {
  ir::Graph g;
  g.name = l.name;
  int x = g.add_input("x", {ir::DType::F32, {1, l.c, l.hw, l.hw}});
  int w = g.add_param("weight", {ir::DType::F32, {l.f, l.c, l.k, l.k}},
                      std::vector<float>(l.f * l.c * l.k * l.k, 0.0f));
  int b = g.add_param("bias", {ir::DType::F32, {l.f}}, std::vector<float>(l.f, 0.0f));
  ir::Attrs a;
  a.set("filters", l.f);
  a.set("kernel", std::vector<int64_t>{l.k, l.k});
  a.set("stride", std::vector<int64_t>{l.stride, l.stride});
  int node = g.add_node("conv2d", "conv", {x, w, b}, a);
  g.mark_output(g.node(node).outputs[0]);
  return g;
}

std::string auto_choice(const Layer &l, std::string *reason) {
  std::vector<passes::AlgorithmChoice> choices;
  ir::Graph g = passes::select_algorithm(one_conv(l), passes::ConvAlgoOptions{}, &choices);
  EXPECT_EQ(choices.size(), 1u);
  *reason = choices.empty() ? "" : choices[0].reason;
  return g.node(g.find_node("conv")).attrs.get_string("algorithm");
}

TEST(CostModelStridedPointwise, ResNet50ProjectionsGoToIm2col) {
  for (const Layer &l :
       {Layer{"l2_down_s2", 256, 56, 512, 1, 2}, Layer{"l3_down_s2", 512, 28, 1024, 1, 2},
        Layer{"l4_down_s2", 1024, 14, 2048, 1, 2}}) {
    std::string reason;
    EXPECT_EQ(auto_choice(l, &reason), "im2col") << l.name << ": " << reason;
  }
}

TEST(CostModelStridedPointwise, StridedIm2colTakesTheGemmFit) {
  passes::ConvFeatures f;
  f.in_channels = 256, f.out_channels = 512, f.in_h = f.in_w = 56, f.out_h = f.out_w = 28;
  f.kernel_h = f.kernel_w = 1, f.stride_h = f.stride_w = 2;
  EXPECT_EQ(passes::conv_variant("im2col", f), "im2col_gemm");
  EXPECT_EQ(passes::conv_variant("direct", f), "direct_strided_pointwise");
  // A padded strided 1x1 gathers through the boundary: the general fit.
  f.padded = true;
  EXPECT_EQ(passes::conv_variant("im2col", f), "im2col");
  // A strided 3x3 keeps the general im2col fit.
  f.padded = false, f.kernel_h = f.kernel_w = 3;
  EXPECT_EQ(passes::conv_variant("im2col", f), "im2col");
}

}  // namespace
}  // namespace kiln
