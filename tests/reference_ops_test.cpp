// The reference interpreter against independent expectations: every other
// numeric test trusts it, so its numbers are checked here against values
// worked out by hand (the arithmetic is in the comments) and against
// properties that hold whatever the data (identity kernels, grouped conv as
// per-group convs, dilation as a zero-interleaved kernel, stride as
// subsampling, softmax normalization and shift invariance).
//
// Tolerances: hand cases use small integers or dyadic fractions, so sums are
// exact in float and compared with EXPECT_FLOAT_EQ (4 ulps). Transcendental
// results (sigmoid, tanh, softmax) are compared to 1e-6 absolute. Property
// checks that rearrange the same double accumulation compare to 1e-5.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "ir/errors.h"
#include "ir/graph.h"
#include "reference/interpreter.h"
#include "test_util.h"

namespace kiln {
namespace {

using reference::Tensor;
using Ints = std::vector<int64_t>;

// Builds a one-node graph over `in` (all graph inputs, so any data goes),
// runs the node on the reference and checks its output has the inferred type.
Tensor run_op(const std::string &op, const ir::Attrs &attrs, const std::vector<Tensor> &in) {
  ir::Graph g;
  std::vector<int> ids;
  for (size_t k = 0; k < in.size(); k++)
    ids.push_back(g.add_input("in" + std::to_string(k), {ir::DType::F32, in[k].shape}));
  const ir::Node &node = g.nodes[g.add_node(op, "n", ids, attrs)];
  std::vector<const Tensor *> ptrs;
  for (const Tensor &t : in) ptrs.push_back(&t);
  std::vector<Tensor> out = reference::run_node(node, ptrs);
  EXPECT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape, g.value(node.outputs[0]).type.shape) << op;
  EXPECT_EQ(out[0].numel(), ir::numel(out[0].shape)) << op;
  return out[0];
}

// Exact (4 ulp) elementwise comparison, naming the first differing index.
void expect_floats(const Tensor &t, const ir::Shape &shape, const std::vector<float> &want) {
  ASSERT_EQ(t.shape, shape);
  ASSERT_EQ(t.data.size(), want.size());
  for (size_t k = 0; k < want.size(); k++) EXPECT_FLOAT_EQ(t.data[k], want[k]) << "at " << k;
}

void expect_near(const Tensor &t, const Tensor &want, double tol) {
  ASSERT_EQ(t.shape, want.shape);
  for (size_t k = 0; k < want.data.size(); k++)
    EXPECT_NEAR(t.data[k], want.data[k], tol) << "at " << k;
}

// 1..n as floats.
std::vector<float> iota(int n, float start = 1) {
  std::vector<float> v(n);
  for (int k = 0; k < n; k++) v[k] = start + k;
  return v;
}

Tensor random_tensor(ir::Shape shape, uint64_t seed) {
  int64_t n = ir::numel(shape);
  return Tensor(std::move(shape), testing::random_floats(n, seed));
}

ir::Attrs conv_attrs(int64_t filters, Ints kernel, bool bias = false) {
  ir::Attrs a;
  a.set("filters", filters);
  a.set("kernel", std::move(kernel));
  a.set("use_bias", int64_t{bias});
  return a;
}

ir::Attrs pool_attrs(Ints kernel, Ints stride, ir::AttrValue padding, bool ceil = false) {
  ir::Attrs a;
  a.set("kernel", std::move(kernel));
  a.set("stride", std::move(stride));
  a.set("padding", std::move(padding));
  a.set("ceil_mode", int64_t{ceil});
  return a;
}

// The 3x3 image used by the hand cases:
//   1 2 3
//   4 5 6
//   7 8 9
Tensor image3x3() { return Tensor({1, 1, 3, 3}, iota(9)); }

// ---------------------------------------------------------------- conv2d

TEST(RefConv2d, HandValuesWithBias) {
  // Kernel [[1,2],[3,4]], bias 1, valid, over image3x3:
  //   (0,0): 1*1 + 2*2 + 4*3 + 5*4 = 37 -> 38
  //   (0,1): 2*1 + 3*2 + 5*3 + 6*4 = 47 -> 48
  //   (1,0): 4*1 + 5*2 + 7*3 + 8*4 = 67 -> 68
  //   (1,1): 5*1 + 6*2 + 8*3 + 9*4 = 77 -> 78
  Tensor w({1, 1, 2, 2}, {1, 2, 3, 4});
  Tensor b({1}, {1});
  Tensor y = run_op("conv2d", conv_attrs(1, {2, 2}, true), {image3x3(), w, b});
  expect_floats(y, {1, 1, 2, 2}, {38, 48, 68, 78});
}

TEST(RefConv2d, HandValuesTwoChannelsTwoFilters) {
  // x: channel 0 = image3x3, channel 1 = all 10. Kernel 1x1 (so out = in size).
  //   filter 0 = 1*c0 + 0*c1        -> 1..9
  //   filter 1 = -1*c0 + 0.5*c1     -> 5 - v: 4,3,2,1,0,-1,-2,-3,-4
  std::vector<float> x = iota(9);
  x.insert(x.end(), 9, 10.0f);
  Tensor w({2, 2, 1, 1}, {1, 0, -1, 0.5f});
  Tensor y = run_op("conv2d", conv_attrs(2, {1, 1}), {Tensor({1, 2, 3, 3}, x), w});
  expect_floats(y, {1, 2, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 4, 3, 2, 1, 0, -1, -2, -3, -4});
}

TEST(RefConv2d, OneHotKernelIsIdentity) {
  // weight[f][c] = 1 at the centre iff f == c; "same" padding keeps the size,
  // so the output is the input bit for bit (one product by 1, the rest by 0).
  const int64_t C = 3;
  Tensor x = random_tensor({2, C, 5, 6}, 1);
  Tensor w({C, C, 3, 3});
  for (int64_t c = 0; c < C; c++) w.at4(c, c, 1, 1) = 1;
  ir::Attrs a = conv_attrs(C, {3, 3});
  a.set("padding", std::string("same"));
  Tensor y = run_op("conv2d", a, {x, w});
  expect_floats(y, x.shape, x.data);
}

TEST(RefConv2d, GroupedEqualsPerGroupConcatenated) {
  // groups=2 over C=4, F=6: group g reads channels [2g, 2g+2) and writes
  // filters [3g, 3g+3) with weight rows [3g, 3g+3).
  const int64_t N = 2, C = 4, F = 6, G = 2, H = 5, W = 5;
  Tensor x = random_tensor({N, C, H, W}, 2), w = random_tensor({F, C / G, 3, 3}, 3);
  Tensor b = random_tensor({F}, 4);
  ir::Attrs a = conv_attrs(F, {3, 3}, true);
  a.set("groups", G);
  a.set("padding", Ints{1, 1, 1, 1});
  Tensor y = run_op("conv2d", a, {x, w, b});

  Tensor want({N, F, H, W});
  for (int64_t g = 0; g < G; g++) {
    Tensor xg({N, C / G, H, W}), wg({F / G, C / G, 3, 3}), bg({F / G});
    for (int64_t n = 0; n < N; n++)
      for (int64_t c = 0; c < C / G; c++)
        for (int64_t h = 0; h < H; h++)
          for (int64_t i = 0; i < W; i++) xg.at4(n, c, h, i) = x.at4(n, g * C / G + c, h, i);
    const int64_t wsize = (C / G) * 9;
    for (int64_t f = 0; f < F / G; f++) {
      for (int64_t k = 0; k < wsize; k++)
        wg.data[f * wsize + k] = w.data[(g * F / G + f) * wsize + k];
      bg.data[f] = b.data[g * F / G + f];
    }
    ir::Attrs ag = conv_attrs(F / G, {3, 3}, true);
    ag.set("padding", Ints{1, 1, 1, 1});
    Tensor yg = run_op("conv2d", ag, {xg, wg, bg});
    for (int64_t n = 0; n < N; n++)
      for (int64_t f = 0; f < F / G; f++)
        for (int64_t h = 0; h < H; h++)
          for (int64_t i = 0; i < W; i++) want.at4(n, g * F / G + f, h, i) = yg.at4(n, f, h, i);
  }
  expect_near(y, want, 1e-5);
}

TEST(RefConv2d, DepthwiseHandValues) {
  // groups = C = 2, 1x1 kernels: each channel scaled by its own weight.
  //   channel 0 * 2 = 2,4,6,8; channel 1 * -1 = -5,-6,-7,-8
  ir::Attrs a = conv_attrs(2, {1, 1});
  a.set("groups", int64_t{2});
  Tensor y = run_op("conv2d", a, {Tensor({1, 2, 2, 2}, iota(8)), Tensor({2, 1, 1, 1}, {2, -1})});
  expect_floats(y, {1, 2, 2, 2}, {2, 4, 6, 8, -5, -6, -7, -8});
}

TEST(RefConv2d, DilationTwoEqualsZeroInterleavedKernel) {
  // A 3x3 kernel at dilation 2 reads the same pixels as the 5x5 kernel with
  // its taps at even positions and zeros between.
  Tensor x = random_tensor({1, 2, 9, 8}, 5), w = random_tensor({3, 2, 3, 3}, 6);
  Tensor wide({3, 2, 5, 5});
  for (int64_t f = 0; f < 3; f++)
    for (int64_t c = 0; c < 2; c++)
      for (int64_t ky = 0; ky < 3; ky++)
        for (int64_t kx = 0; kx < 3; kx++) wide.at4(f, c, 2 * ky, 2 * kx) = w.at4(f, c, ky, kx);
  ir::Attrs dilated = conv_attrs(3, {3, 3});
  dilated.set("dilation", Ints{2, 2});
  Tensor y = run_op("conv2d", dilated, {x, w});
  Tensor want = run_op("conv2d", conv_attrs(3, {5, 5}), {x, wide});
  EXPECT_EQ(y.shape, (ir::Shape{1, 3, 5, 4}));
  expect_near(y, want, 1e-5);
}

TEST(RefConv2d, DilationHandValues) {
  // 1x2 kernel [1, 1] at dilation (1, 2) over image3x3: x[h][w] + x[h][w+2]
  //   row 0: 1+3 = 4; row 1: 4+6 = 10; row 2: 7+9 = 16
  ir::Attrs a = conv_attrs(1, {1, 2});
  a.set("dilation", Ints{1, 2});
  Tensor y = run_op("conv2d", a, {image3x3(), Tensor({1, 1, 1, 2}, {1, 1})});
  expect_floats(y, {1, 1, 3, 1}, {4, 10, 16});
}

TEST(RefConv2d, StrideTwoSubsamplesStrideOne) {
  // Valid padding: the stride-2 output at (i, j) is the stride-1 output at (2i, 2j).
  Tensor x = random_tensor({1, 2, 7, 8}, 7), w = random_tensor({2, 2, 3, 3}, 8);
  ir::Attrs a = conv_attrs(2, {3, 3});
  Tensor full = run_op("conv2d", a, {x, w});  // 5x6
  a.set("stride", Ints{2, 2});
  Tensor y = run_op("conv2d", a, {x, w});  // 3x3
  ASSERT_EQ(y.shape, (ir::Shape{1, 2, 3, 3}));
  for (int64_t f = 0; f < 2; f++)
    for (int64_t i = 0; i < 3; i++)
      for (int64_t j = 0; j < 3; j++)
        EXPECT_FLOAT_EQ(y.at4(0, f, i, j), full.at4(0, f, 2 * i, 2 * j));
}

TEST(RefConv2d, StrideTwoHandValues) {
  // 1x1 kernel of 1, stride 2 over image3x3: picks x[0][0], x[0][2], x[2][0], x[2][2].
  ir::Attrs a = conv_attrs(1, {1, 1});
  a.set("stride", Ints{2, 2});
  Tensor y = run_op("conv2d", a, {image3x3(), Tensor({1, 1, 1, 1}, {1})});
  expect_floats(y, {1, 1, 2, 2}, {1, 3, 7, 9});
}

// A 1x1 kernel of weight 1 with padding p returns the padded image itself,
// which makes the padding values visible.
Tensor padded(const std::string &mode, Ints padding) {
  ir::Attrs a = conv_attrs(1, {1, 1});
  a.set("padding", std::move(padding));
  a.set("padding_mode", mode);
  return run_op("conv2d", a, {image3x3(), Tensor({1, 1, 1, 1}, {1})});
}

TEST(RefConv2d, ZerosPadding) {
  expect_floats(padded("zeros", {1, 1, 1, 1}), {1, 1, 5, 5}, {0, 0, 0, 0, 0,  //
                                                              0, 1, 2, 3, 0,  //
                                                              0, 4, 5, 6, 0,  //
                                                              0, 7, 8, 9, 0,  //
                                                              0, 0, 0, 0, 0});
}

TEST(RefConv2d, ReplicatePadding) {
  // Index -1 -> 0 and 3 -> 2: the edge row/column repeats.
  expect_floats(padded("replicate", {1, 1, 1, 1}), {1, 1, 5, 5}, {1, 1, 2, 3, 3,  //
                                                                  1, 1, 2, 3, 3,  //
                                                                  4, 4, 5, 6, 6,  //
                                                                  7, 7, 8, 9, 9,  //
                                                                  7, 7, 8, 9, 9});
}

TEST(RefConv2d, ReflectPaddingDoesNotRepeatTheEdge) {
  // PyTorch's reflect: index -1 -> 1 and 3 -> 1 (the edge is the mirror).
  // Rows and columns read indices [1, 0, 1, 2, 1].
  expect_floats(padded("reflect", {1, 1, 1, 1}), {1, 1, 5, 5}, {5, 4, 5, 6, 5,  //
                                                                2, 1, 2, 3, 2,  //
                                                                5, 4, 5, 6, 5,  //
                                                                8, 7, 8, 9, 8,  //
                                                                5, 4, 5, 6, 5});
}

TEST(RefConv2d, ReflectPaddingTwo) {
  // Padding 2 (the most a size-3 axis allows): indices [2, 1, 0, 1, 2, 1, 0].
  const std::vector<int> idx = {2, 1, 0, 1, 2, 1, 0};
  std::vector<float> want;
  for (int r : idx)
    for (int c : idx) want.push_back(static_cast<float>(r * 3 + c + 1));
  expect_floats(padded("reflect", {2, 2, 2, 2}), {1, 1, 7, 7}, want);
}

TEST(RefConv2d, AsymmetricReplicatePadding) {
  // [top, left, bottom, right] = [1, 2, 0, 1]: rows read [0, 0, 1, 2],
  // columns read [0, 0, 0, 1, 2, 2].
  expect_floats(padded("replicate", {1, 2, 0, 1}), {1, 1, 4, 6}, {1, 1, 1, 2, 3, 3,  //
                                                                  1, 1, 1, 2, 3, 3,  //
                                                                  4, 4, 4, 5, 6, 6,  //
                                                                  7, 7, 7, 8, 9, 9});
}

TEST(RefConv2d, ReflectPaddingWithAKernel) {
  // A 3x3 kernel of ones with reflect padding 1: output (0,0) sums rows
  // [1,0,1] x columns [1,0,1] = 5+4+5 + 2+1+2 + 5+4+5 = 33; the centre (1,1)
  // sums the whole image, 45; (2,2) sums rows [1,2,1] x cols [1,2,1]
  // = 5+6+5 + 8+9+8 + 5+6+5 = 57.
  ir::Attrs a = conv_attrs(1, {3, 3});
  a.set("padding", Ints{1, 1, 1, 1});
  a.set("padding_mode", std::string("reflect"));
  Tensor y = run_op("conv2d", a, {image3x3(), Tensor({1, 1, 3, 3}, std::vector<float>(9, 1))});
  ASSERT_EQ(y.shape, (ir::Shape{1, 1, 3, 3}));
  EXPECT_FLOAT_EQ(y.at4(0, 0, 0, 0), 33);
  EXPECT_FLOAT_EQ(y.at4(0, 0, 1, 1), 45);
  EXPECT_FLOAT_EQ(y.at4(0, 0, 2, 2), 57);
}

TEST(RefConv2d, SamePaddingStrideOneMatchesExplicit) {
  Tensor x = random_tensor({1, 2, 6, 5}, 9), w = random_tensor({2, 2, 3, 3}, 10);
  ir::Attrs same = conv_attrs(2, {3, 3});
  same.set("padding", std::string("same"));
  ir::Attrs explicit_pad = conv_attrs(2, {3, 3});
  explicit_pad.set("padding", Ints{1, 1, 1, 1});
  Tensor y = run_op("conv2d", same, {x, w});
  EXPECT_EQ(y.shape, x.shape);
  expect_near(y, run_op("conv2d", explicit_pad, {x, w}), 0);
}

TEST(RefConv2d, SamePaddingStrideTwoPutsTheOddPixelAtTheEnd) {
  // 4x4 image 1..16, 3x3 kernel of ones, stride 2, "same": out = ceil(4/2) = 2,
  // total padding (2-1)*2 + 3 - 4 = 1, all of it at the bottom/right (TF).
  // Windows start at rows/cols 0 and 2:
  //   (0,0): rows 0-2, cols 0-2: (1+2+3)+(5+6+7)+(9+10+11)     = 54
  //   (0,1): rows 0-2, cols 2-3: (3+4)+(7+8)+(11+12)            = 45
  //   (1,0): rows 2-3, cols 0-2: (9+10+11)+(13+14+15)           = 72
  //   (1,1): rows 2-3, cols 2-3: 11+12+15+16                    = 54
  ir::Attrs a = conv_attrs(1, {3, 3});
  a.set("padding", std::string("same"));
  a.set("stride", Ints{2, 2});
  Tensor y =
      run_op("conv2d", a,
             {Tensor({1, 1, 4, 4}, iota(16)), Tensor({1, 1, 3, 3}, std::vector<float>(9, 1))});
  expect_floats(y, {1, 1, 2, 2}, {54, 45, 72, 54});
}

// ---------------------------------------------------------------- pooling

TEST(RefPool, MaxAndAvgValid) {
  // 2x2 windows, stride 2, over 4x4 image 1..16:
  //   max: 6, 8, 14, 16
  //   avg: (1+2+5+6)/4 = 3.5, (3+4+7+8)/4 = 5.5, (9+10+13+14)/4 = 11.5, 13.5
  Tensor x({1, 1, 4, 4}, iota(16));
  ir::Attrs a;
  a.set("kernel", Ints{2, 2});  // stride defaults to the kernel
  expect_floats(run_op("max_pool2d", a, {x}), {1, 1, 2, 2}, {6, 8, 14, 16});
  expect_floats(run_op("avg_pool2d", a, {x}), {1, 1, 2, 2}, {3.5f, 5.5f, 11.5f, 13.5f});
}

TEST(RefPool, OverlappingMax) {
  // 2x2 windows at stride 1 over image3x3: maxima 5, 6, 8, 9.
  expect_floats(
      run_op("max_pool2d", pool_attrs({2, 2}, {1, 1}, std::string("valid")), {image3x3()}),
      {1, 1, 2, 2}, {5, 6, 8, 9});
}

TEST(RefPool, AvgWithPaddingCountIncludePad) {
  // image3x3, kernel 2, stride 2, padding 1 all round: out = (3+2-2)/2+1 = 2.
  // Windows per axis: [-1, 1) (padded size 2, clipped to [0,1)) and [1, 3).
  //   (0,0): {1}            sum 1,  padded 4, clipped 1
  //   (0,1): {2,3}          sum 5,  padded 4, clipped 2
  //   (1,0): {4,7}          sum 11, padded 4, clipped 2
  //   (1,1): {5,6,8,9}      sum 28, padded 4, clipped 4
  ir::Attrs a = pool_attrs({2, 2}, {2, 2}, Ints{1, 1, 1, 1});
  a.set("count_include_pad", int64_t{1});
  expect_floats(run_op("avg_pool2d", a, {image3x3()}), {1, 1, 2, 2}, {0.25f, 1.25f, 2.75f, 7});
  a.set("count_include_pad", int64_t{0});
  expect_floats(run_op("avg_pool2d", a, {image3x3()}), {1, 1, 2, 2}, {1, 2.5f, 5.5f, 7});
}

TEST(RefPool, MaxIgnoresPadding) {
  // Negative image (-1..-9) with padding 1: zero padding would win every
  // window; the true maxima of the windows above are -1, -2, -4, -5.
  Tensor x({1, 1, 3, 3}, {-1, -2, -3, -4, -5, -6, -7, -8, -9});
  expect_floats(run_op("max_pool2d", pool_attrs({2, 2}, {2, 2}, Ints{1, 1, 1, 1}), {x}),
                {1, 1, 2, 2}, {-1, -2, -4, -5});
}

TEST(RefPool, CeilModeAddsAPartialWindow) {
  // image3x3, kernel 2, stride 2, no padding. Floor: one window {1,2,4,5}.
  // Ceil: (3-2)/2 rounded up + 1 = 2 windows per axis; the second starts at 2
  // and is clipped to one row/column. Its padded size stops at size + pad_end,
  // so the overhang is not padding: avg divides by the clipped area either way.
  //   max: 5, 6, 8, 9
  //   avg: (1+2+4+5)/4 = 3, (3+6)/2 = 4.5, (7+8)/2 = 7.5, 9/1 = 9
  expect_floats(
      run_op("max_pool2d", pool_attrs({2, 2}, {2, 2}, std::string("valid")), {image3x3()}),
      {1, 1, 1, 1}, {5});
  expect_floats(
      run_op("max_pool2d", pool_attrs({2, 2}, {2, 2}, std::string("valid"), true), {image3x3()}),
      {1, 1, 2, 2}, {5, 6, 8, 9});
  for (int64_t include : {0, 1}) {
    ir::Attrs a = pool_attrs({2, 2}, {2, 2}, std::string("valid"), true);
    a.set("count_include_pad", include);
    expect_floats(run_op("avg_pool2d", a, {image3x3()}), {1, 1, 2, 2}, {3, 4.5f, 7.5f, 9});
  }
}

TEST(RefPool, CeilModeWithPaddingCountsPadButNotOverhang) {
  // One row [1, 2, 3, 4]: kernel (1,3), stride (1,2), padding 1 left and right.
  // Floor: (4+2-3)/2+1 = 2 windows; ceil: ceil(3/2)+1 = 3 (the last starts at
  // 3 < 4+1, so it stays). Windows [start, min(start+3, 4+1)):
  //   [-1, 2): padded 3, clipped {1,2}   sum 3
  //   [ 1, 4): padded 3, clipped {2,3,4} sum 9
  //   [ 3, 5): padded 2, clipped {4}     sum 4   (start+3 = 6 is cut at 5)
  //   count_include_pad: 3/3, 9/3, 4/2 = 1, 3, 2
  //   exclude pad:       3/2, 9/3, 4/1 = 1.5, 3, 4
  //   max:               2, 4, 4
  Tensor x({1, 1, 1, 4}, iota(4));
  ir::Attrs a = pool_attrs({1, 3}, {1, 2}, Ints{0, 1, 0, 1}, true);
  a.set("count_include_pad", int64_t{1});
  expect_floats(run_op("avg_pool2d", a, {x}), {1, 1, 1, 3}, {1, 3, 2});
  a.set("count_include_pad", int64_t{0});
  expect_floats(run_op("avg_pool2d", a, {x}), {1, 1, 1, 3}, {1.5f, 3, 4});
  expect_floats(run_op("max_pool2d", pool_attrs({1, 3}, {1, 2}, Ints{0, 1, 0, 1}, true), {x}),
                {1, 1, 1, 3}, {2, 4, 4});
  // Floor mode drops the third window.
  a.set("ceil_mode", int64_t{0});
  a.set("count_include_pad", int64_t{1});
  expect_floats(run_op("avg_pool2d", a, {x}), {1, 1, 1, 2}, {1, 3});
}

TEST(RefPool, SamePadding) {
  // max 2x2 "same" (stride = kernel = 2) over image3x3: out 2x2, one padding
  // row/column at the end. Windows {1,2,4,5}, {3,6}, {7,8}, {9}.
  ir::Attrs a;
  a.set("kernel", Ints{2, 2});
  a.set("padding", std::string("same"));
  expect_floats(run_op("max_pool2d", a, {image3x3()}), {1, 1, 2, 2}, {5, 6, 8, 9});
  // avg, count_include_pad: the padding counts: 12/4, 9/4, 15/4, 9/4.
  a.set("count_include_pad", int64_t{1});
  expect_floats(run_op("avg_pool2d", a, {image3x3()}), {1, 1, 2, 2}, {3, 2.25f, 3.75f, 2.25f});
  a.set("count_include_pad", int64_t{0});
  expect_floats(run_op("avg_pool2d", a, {image3x3()}), {1, 1, 2, 2}, {3, 4.5f, 7.5f, 9});
}

TEST(RefPool, GlobalAvgAndMax) {
  // Channel 0: 1, 2, 3, 4  -> mean 2.5, max 4
  // Channel 1: -1, -5, -3, -2 -> mean -11/4 = -2.75, max -1
  // Batch 1 = batch 0 + 10  -> mean 12.5, 7.25; max 14, 9
  std::vector<float> v = {1, 2, 3, 4, -1, -5, -3, -2};
  for (int k = 0; k < 8; k++) v.push_back(v[k] + 10);
  Tensor x({2, 2, 2, 2}, v);
  expect_floats(run_op("global_avg_pool", {}, {x}), {2, 2, 1, 1}, {2.5f, -2.75f, 12.5f, 7.25f});
  expect_floats(run_op("global_max_pool", {}, {x}), {2, 2, 1, 1}, {4, -1, 14, 9});
}

// ---------------------------------------------------------------- batch_norm, dense

TEST(RefBatchNorm, HandValues) {
  // epsilon 1, var [3, 15] -> sqrt(var + eps) = [2, 4].
  //   c0: 3 * (x - 1) / 2 + 1:  x = 1 -> 1, x = 3 -> 4, x = -1 -> -2, x = 5 -> 7
  //   c1: 0.5 * (x - 2) / 4 - 1: x = 2 -> -1, x = 10 -> 0, x = -6 -> -2, x = 18 -> 1
  Tensor x({2, 2, 1, 2}, {1, 3, 2, 10, -1, 5, -6, 18});
  ir::Attrs a;
  a.set("epsilon", 1.0);
  Tensor y = run_op(
      "batch_norm", a,
      {x, Tensor({2}, {3, 0.5f}), Tensor({2}, {1, -1}), Tensor({2}, {1, 2}), Tensor({2}, {3, 15})});
  expect_floats(y, {2, 2, 1, 2}, {1, 4, -1, 0, -2, 7, -2, 1});
}

TEST(RefBatchNorm, RankTwo) {
  // [N, C] input, channel axis 1; epsilon 0, var 4 -> divide by 2.
  //   c0: (x - 0) / 2 * 1 + 0, c1: (x - 1) / 2 * 2 + 1 = x
  ir::Attrs a;
  a.set("epsilon", 0.0);
  Tensor y = run_op("batch_norm", a,
                    {Tensor({2, 2}, {4, 7, -2, 3}), Tensor({2}, {1, 2}), Tensor({2}, {0, 1}),
                     Tensor({2}, {0, 1}), Tensor({2}, {4, 4})});
  expect_floats(y, {2, 2}, {2, 7, -1, 3});
}

TEST(RefDense, HandValues) {
  // x = [[1,2,3],[4,5,6]], W = [[1,0,-1],[0.5,0.5,0.5]], b = [10, -1]
  //   y00 = 1 - 3 + 10 = 8      y01 = 0.5*(1+2+3) - 1 = 2
  //   y10 = 4 - 6 + 10 = 8      y11 = 0.5*(4+5+6) - 1 = 6.5
  ir::Attrs a;
  a.set("units", int64_t{2});
  Tensor y = run_op("dense", a,
                    {Tensor({2, 3}, iota(6)), Tensor({2, 3}, {1, 0, -1, 0.5f, 0.5f, 0.5f}),
                     Tensor({2}, {10, -1})});
  expect_floats(y, {2, 2}, {8, 2, 8, 6.5f});
}

TEST(RefDense, NoBias) {
  // W = [[1, 1]]: row sums 1+2 = 3, 3+4 = 7.
  ir::Attrs a;
  a.set("units", int64_t{1});
  a.set("use_bias", int64_t{0});
  expect_floats(run_op("dense", a, {Tensor({2, 2}, iota(4)), Tensor({1, 2}, {1, 1})}), {2, 1},
                {3, 7});
}

// ---------------------------------------------------------------- activations

TEST(RefActivations, ReluSigmoidTanhAtKnownPoints) {
  const float ln3 = std::log(3.0f), ln2 = std::log(2.0f);
  expect_floats(run_op("relu", {}, {Tensor({4}, {-2, 0, 0.5f, 3})}), {4}, {0, 0, 0.5f, 3});
  // sigmoid(0) = 1/2, sigmoid(ln 3) = 1/(1 + 1/3) = 3/4, sigmoid(-ln 3) = 1/4,
  // sigmoid(-100) underflows towards 0 without NaN.
  Tensor s = run_op("sigmoid", {}, {Tensor({4}, {0, ln3, -ln3, -100})});
  expect_near(s, Tensor({4}, {0.5f, 0.75f, 0.25f, 0}), 1e-6);
  // tanh(0) = 0, tanh(ln 2) = (2 - 1/2) / (2 + 1/2) = 0.6, odd, tanh(50) = 1.
  Tensor t = run_op("tanh", {}, {Tensor({4}, {0, ln2, -ln2, 50})});
  expect_near(t, Tensor({4}, {0, 0.6f, -0.6f, 1}), 1e-6);
}

TEST(RefActivations, DropoutIsIdentity) {
  Tensor x = random_tensor({2, 3}, 11);
  expect_floats(run_op("dropout", {}, {x}), x.shape, x.data);
}

TEST(RefSoftmax, HandValues) {
  // Default axis -1. Row [0, 0, ln 2]: exps 1, 1, 2 over 4 -> 1/4, 1/4, 1/2.
  // Row [0, 1000, 1000]: exp(1000) overflows even a double, so this needs the
  // row maximum (not the first element) subtracted: exps e^-1000, 1, 1 ->
  // 0, 1/2, 1/2.
  const float ln2 = std::log(2.0f);
  Tensor y = run_op("softmax", {}, {Tensor({2, 3}, {0, 0, ln2, 0, 1000, 1000})});
  expect_near(y, Tensor({2, 3}, {0.25f, 0.25f, 0.5f, 0, 0.5f, 0.5f}), 1e-6);
}

TEST(RefSoftmax, RowsSumToOneAndShiftInvariance) {
  Tensor x = random_tensor({4, 7}, 12);
  for (float &v : x.data) v *= 5;
  Tensor y = run_op("softmax", {}, {x});
  for (int r = 0; r < 4; r++) {
    double sum = 0;
    for (int c = 0; c < 7; c++) {
      EXPECT_GT(y.data[r * 7 + c], 0);
      sum += y.data[r * 7 + c];
    }
    EXPECT_NEAR(sum, 1.0, 1e-6) << "row " << r;
  }
  Tensor shifted = x;
  for (int r = 0; r < 4; r++)
    for (int c = 0; c < 7; c++) shifted.data[r * 7 + c] += 3.0f * (r + 1);  // per-row shift
  expect_near(run_op("softmax", {}, {shifted}), y, 1e-6);
}

TEST(RefSoftmax, ChannelAxisOfFourDTensor) {
  // [1, 3, 2, 2], axis 1: each pixel normalizes over its 3 channels.
  // Pixel (0,0) has channels [0, 0, ln 2] -> [1/4, 1/4, 1/2]; for every pixel
  // the channel sum is 1 and y[c]/y[0] = exp(x[c] - x[0]).
  Tensor x = random_tensor({1, 3, 2, 2}, 13);
  x.at4(0, 0, 0, 0) = 0;
  x.at4(0, 1, 0, 0) = 0;
  x.at4(0, 2, 0, 0) = std::log(2.0f);
  ir::Attrs a;
  a.set("axis", int64_t{1});
  Tensor y = run_op("softmax", a, {x});
  EXPECT_NEAR(y.at4(0, 0, 0, 0), 0.25, 1e-6);
  EXPECT_NEAR(y.at4(0, 1, 0, 0), 0.25, 1e-6);
  EXPECT_NEAR(y.at4(0, 2, 0, 0), 0.5, 1e-6);
  for (int h = 0; h < 2; h++)
    for (int w = 0; w < 2; w++) {
      double sum = 0;
      for (int c = 0; c < 3; c++) sum += y.at4(0, c, h, w);
      EXPECT_NEAR(sum, 1.0, 1e-6);
      for (int c = 1; c < 3; c++)
        EXPECT_NEAR(y.at4(0, c, h, w) / y.at4(0, 0, h, w),
                    std::exp(x.at4(0, c, h, w) - x.at4(0, 0, h, w)), 1e-5);
    }
}

// ---------------------------------------------------------------- add, concat, flatten

TEST(RefTensorOps, Add) {
  expect_floats(
      run_op("add", {}, {Tensor({2, 2}, {1, 2, 3, 4}), Tensor({2, 2}, {10, -2, 0.5f, -4})}), {2, 2},
      {11, 0, 3.5f, 0});
}

TEST(RefTensorOps, ConcatChannelsThreeInputs) {
  // [1,1,1,2] + [1,2,1,2] + [1,1,1,2] on axis 1 -> [1,4,1,2], inputs stacked in order.
  Tensor a({1, 1, 1, 2}, {1, 2}), b({1, 2, 1, 2}, {3, 4, 5, 6}), c({1, 1, 1, 2}, {7, 8});
  ir::Attrs attrs;
  attrs.set("axis", int64_t{1});
  expect_floats(run_op("concat", attrs, {a, b, c}), {1, 4, 1, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
}

TEST(RefTensorOps, ConcatBatchedChannelsInterleavesPerBatch) {
  // Batch 2: the output is [a0 b0 ; a1 b1], not [a0 a1 b0 b1].
  Tensor a({2, 1, 1, 1}, {1, 2}), b({2, 1, 1, 1}, {10, 20});
  expect_floats(run_op("concat", {}, {a, b}), {2, 2, 1, 1}, {1, 10, 2, 20});
}

TEST(RefTensorOps, ConcatLastAxisThreeInputs) {
  // [2,1] + [2,2] + [2,1] on axis -1 -> [2,4]; each row joins its pieces.
  //   row 0: 1 | 2 3 | 4      row 1: 5 | 6 7 | 8
  Tensor a({2, 1}, {1, 5}), b({2, 2}, {2, 3, 6, 7}), c({2, 1}, {4, 8});
  ir::Attrs attrs;
  attrs.set("axis", int64_t{-1});
  expect_floats(run_op("concat", attrs, {a, b, c}), {2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
}

TEST(RefTensorOps, FlattenShapeAndOrder) {
  // Row-major flattening keeps the element order; only the shape changes.
  Tensor x({2, 3, 2}, iota(12));
  for (auto [axis, shape] : std::vector<std::pair<int64_t, ir::Shape>>{
           {1, {2, 6}}, {2, {6, 2}}, {0, {1, 12}}, {3, {12, 1}}}) {
    ir::Attrs a;
    a.set("axis", axis);
    expect_floats(run_op("flatten", a, {x}), shape, iota(12));
  }
}

// ---------------------------------------------------------------- run_graph

// x[1,2] -> d = dense(x) -> r = relu(d) -> s = add(r, d); outputs s and d.
ir::Graph three_node_graph() {
  ir::Graph g;
  int x = g.add_input("x", {ir::DType::F32, {1, 2}});
  int w = g.add_param("d.weight", {ir::DType::F32, {2, 2}}, {1, -1, 2, 1});
  int b = g.add_param("d.bias", {ir::DType::F32, {2}}, {0, 1});
  ir::Attrs a;
  a.set("units", int64_t{2});
  int d = g.nodes[g.add_node("dense", "d", {x, w, b}, a)].outputs[0];
  int r = g.nodes[g.add_node("relu", "r", {d}, {})].outputs[0];
  int s = g.nodes[g.add_node("add", "s", {r, d}, {})].outputs[0];
  g.mark_output(s);
  g.mark_output(d);
  return g;
}

TEST(RefRunGraph, ThreeNodes) {
  // x = [1, 2], W = [[1,-1],[2,1]], b = [0, 1]:
  //   d = [1 - 2 + 0, 2 + 2 + 1] = [-1, 5]; r = [0, 5]; s = r + d = [-1, 10]
  ir::Graph g = three_node_graph();
  std::vector<Tensor> out = reference::run_graph(g, {Tensor({1, 2}, {1, 2})});
  ASSERT_EQ(out.size(), 2u);
  expect_floats(out[0], {1, 2}, {-1, 10});
  expect_floats(out[1], {1, 2}, {-1, 5});
}

TEST(RefRunGraph, InputShapeAndCountErrors) {
  ir::Graph g = three_node_graph();
  try {
    reference::run_graph(g, {Tensor({2, 2}, {1, 2, 3, 4})});
    FAIL() << "expected a UserError";
  } catch (const UserError &e) {
    EXPECT_STREQ(e.what(), "input 'x' must have shape 1x2, got 2x2");
  }
  try {
    reference::run_graph(g, {});
    FAIL() << "expected a UserError";
  } catch (const UserError &e) {
    EXPECT_STREQ(e.what(), "the model takes 1 inputs, got 0");
  }
}

TEST(RefRunGraph, UnknownOpHasNoKernel) {
  EXPECT_THROW(reference::ref_kernel("no_such_op"), InternalError);
}

}  // namespace
}  // namespace kiln
