// Every op's Halide lowering, JIT-compiled for the host, against the
// reference interpreter on a table of shapes and attributes (the edge cases
// of each op family), plus non-default schedule knobs and a check that the
// schedules are real (vectorized, parallel) loop nests. conv2d and dense run
// with and without the fused epilogue (activation, residual, post-activation)
// that fuse-epilogue makes.
//
// Tolerances, as |got - want| <= tol * (1 + |want|):
//   1e-4 for conv2d, dense, pooling and batch_norm (float accumulation in a
//        different order from the reference's double accumulation);
//   1e-5 for the elementwise ops, softmax, add, concat and flatten.
//
// KILN_DUMP_STMT_DIR=dir writes each case's lowered loop nest to
// dir/<case>.stmt; --gtest_output=xml records each case's schedule.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "codegen/ops/lower_util.h"
#include "codegen/schedules/conv_schedule.h"
#include "codegen/schedules/cpu_info.h"
#include "codegen/schedules/dense_schedule.h"
#include "ir/verifier.h"
#include "tests/codegen_test_util.h"

namespace kiln {
namespace {

using codegen::LoweredKernel;
using codegen::LowerRequest;
using codegen::schedules::ConvSchedule;
using codegen::schedules::DenseSchedule;
using ints = std::vector<int64_t>;

const Halide::Target &host() {
  static const Halide::Target t = Halide::get_jit_target_from_environment();
  return t;
}

struct OpCase {
  std::string name;
  std::string op;
  std::vector<ir::Shape> inputs;  // data inputs; parameters come from the op's ParamSpecs
  ir::Attrs attrs;
  double tol = 1e-4;
  float lo = -1.0f, hi = 1.0f;  // range of the random inputs
  // Lowers with explicit schedule knobs instead of the op table's default.
  std::function<LoweredKernel(const LowerRequest &)> lower = nullptr;
  // The node reads a residual (random, of the output's shape) as its last input.
  bool residual = false;
};

// gtest prints a failing case by its name, not its bytes.
void PrintTo(const OpCase &c, std::ostream *os) { *os << c.name; }

ir::Attrs attrs(std::initializer_list<std::pair<const char *, ir::AttrValue>> kv) {
  ir::Attrs a;
  for (const auto &[k, v] : kv) a.set(k, v);
  return a;
}

ir::AttrValue pair(int64_t h, int64_t w) { return ints{h, w}; }
ir::AttrValue pads(int64_t t, int64_t l, int64_t b, int64_t r) { return ints{t, l, b, r}; }
ir::AttrValue str(const char *s) { return std::string(s); }
ir::AttrValue num(int64_t v) { return v; }

OpCase conv(std::string name, ir::Shape x, int64_t filters, ir::AttrValue kernel,
            std::initializer_list<std::pair<const char *, ir::AttrValue>> more = {}) {
  ir::Attrs a = attrs(more);
  a.set("filters", filters);
  a.set("kernel", kernel);
  return {"conv_" + name, "conv2d", {x}, a};
}

OpCase with_schedule(OpCase c, const ConvSchedule &s) {
  c.name += "_sched";
  c.lower = [s](const LowerRequest &r) { return codegen::ops::lower_conv2d_with(r, s); };
  return c;
}

std::vector<OpCase> conv_cases() {
  std::vector<OpCase> c = {
      conv("same3x3", {1, 8, 12, 20}, 16, pair(3, 3), {{"padding", str("same")}}),
      conv("valid_nobias", {2, 3, 9, 11}, 7, pair(3, 3), {{"use_bias", num(0)}}),
      conv("stride2_same_odd", {1, 4, 13, 15}, 8, pair(3, 3),
           {{"stride", pair(2, 2)}, {"padding", str("same")}}),
      conv("stride3_k5x3", {1, 5, 17, 14}, 5, pair(5, 3), {{"stride", pair(3, 3)}}),
      conv("stride_2x1_same_even", {2, 3, 10, 12}, 6, pair(4, 2),
           {{"stride", pair(2, 1)}, {"padding", str("same")}}),
      conv("pad_asym_zeros", {1, 3, 8, 9}, 4, pair(3, 2), {{"padding", pads(1, 2, 0, 3)}}),
      conv("pad_replicate", {1, 3, 7, 10}, 5, pair(3, 3),
           {{"padding", pads(2, 1, 1, 2)}, {"padding_mode", str("replicate")}}),
      conv("same_reflect", {1, 4, 9, 18}, 6, pair(3, 3),
           {{"padding", str("same")}, {"padding_mode", str("reflect")}}),
      conv("pad_asym_reflect_s2", {1, 2, 11, 9}, 3, pair(5, 3),
           {{"padding", pads(2, 0, 1, 2)},
            {"padding_mode", str("reflect")},
            {"stride", pair(2, 2)}}),
      conv("dilation2_same", {1, 4, 14, 19}, 8, pair(3, 3),
           {{"dilation", pair(2, 2)}, {"padding", str("same")}}),
      conv("dilation_2x1_valid", {2, 3, 12, 10}, 4, pair(3, 2), {{"dilation", pair(2, 1)}}),
      conv("dilation2_replicate", {1, 2, 9, 9}, 3, pair(3, 3),
           {{"dilation", pair(2, 2)},
            {"padding", pads(2, 2, 2, 2)},
            {"padding_mode", str("replicate")}}),
      conv("groups2", {2, 6, 8, 20}, 4, pair(3, 3), {{"groups", num(2)}, {"padding", str("same")}}),
      conv("depthwise", {1, 8, 10, 33}, 8, pair(3, 3),
           {{"groups", num(8)}, {"padding", str("same")}}),
      conv("depthwise_x2_s2", {1, 6, 15, 15}, 12, pair(3, 3),
           {{"groups", num(6)}, {"stride", pair(2, 2)}, {"padding", pads(1, 1, 1, 1)}}),
      conv("single_channel_batch3", {3, 1, 9, 21}, 3, pair(3, 3)),
      conv("narrow_w5", {1, 3, 6, 5}, 7, pair(3, 3), {{"padding", str("same")}}),
      conv("out_w1", {2, 3, 7, 3}, 4, pair(3, 3)),
      conv("spatial_1x1", {2, 16, 1, 1}, 10, pair(1, 1)),
      conv("spatial_1x1_padded", {1, 5, 1, 1}, 3, pair(3, 3), {{"padding", str("same")}}),
      conv("pointwise", {2, 16, 7, 9}, 24, pair(1, 1)),
      conv("pointwise_grouped", {1, 8, 5, 6}, 12, pair(1, 1), {{"groups", num(4)}}),
      conv("pointwise_stride2", {1, 6, 9, 13}, 5, pair(1, 1), {{"stride", pair(2, 2)}}),
      conv("kernel_covers_input", {3, 4, 5, 6}, 9, pair(5, 6)),
      conv("wide_parallel", {1, 32, 28, 28}, 32, pair(3, 3), {{"padding", str("same")}}),
      conv("vgg_block_64", {1, 64, 14, 14}, 64, pair(3, 3), {{"padding", str("same")}}),
  };
  // Randomized shapes and attributes (fixed seed).
  std::mt19937 rng(1234);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const char *modes[] = {"zeros", "replicate", "reflect"};
  for (int t = 0; t < 5; t++) {
    int groups = pick(1, 3), kh = pick(1, 4), kw = pick(1, 4), s = pick(1, 2);
    int h = pick(kh + 2, 16), w = pick(kw + 2, 40);
    std::string pad = pick(0, 1) ? "same" : "valid";
    OpCase k = conv("random" + std::to_string(t), {pick(1, 2), groups * pick(1, 3), h, w},
                    groups * pick(1, 4), pair(kh, kw),
                    {{"stride", pair(s, pick(1, 2))},
                     {"padding", ir::AttrValue(pad)},
                     {"padding_mode", str(modes[pick(0, 2)])},
                     {"groups", num(groups)},
                     {"use_bias", num(pick(0, 1))}});
    c.push_back(k);
  }
  // Schedule knobs a tuner might pick: odd blocks, several vectors, serial.
  int vw = codegen::natural_vector_width(host());
  c.push_back(
      with_schedule(conv("odd_blocks", {1, 6, 11, 37}, 11, pair(3, 3), {{"padding", str("same")}}),
                    {vw, 2, 3, 5, false, true}));
  c.push_back(with_schedule(conv("narrow_vectors", {2, 4, 5, 30}, 17, pair(3, 1),
                                 {{"padding", pads(1, 0, 1, 0)}, {"stride", pair(1, 2)}}),
                            {4, 3, 1, 16, true, false}));
  c.push_back(with_schedule(conv("oversized_knobs", {1, 3, 4, 6}, 2, pair(3, 3),
                                 {{"padding", str("same")}, {"groups", num(1)}}),
                            {64, 8, 16, 32, true, true}));
  // Flat-row mode (stride 1): every padding mode, dilation, groups, narrow
  // images; strided shapes fall back to the direct form.
  const ConvSchedule flat = {vw, 2, 1, 3, true, true, true};
  c.push_back(conv("small_7x7_same", {1, 16, 7, 7}, 24, pair(3, 3), {{"padding", str("same")}}));
  c.push_back(with_schedule(
      conv("flat_valid_dilated", {2, 4, 9, 11}, 5, pair(3, 3), {{"dilation", pair(2, 2)}}), flat));
  c.push_back(with_schedule(conv("flat_reflect_asym", {1, 3, 6, 7}, 4, pair(3, 2),
                                 {{"padding", pads(2, 1, 0, 1)}, {"padding_mode", str("reflect")}}),
                            flat));
  c.push_back(with_schedule(
      conv("flat_replicate_groups", {1, 4, 5, 9}, 6, pair(3, 3),
           {{"padding", str("same")}, {"padding_mode", str("replicate")}, {"groups", num(2)}}),
      flat));
  c.push_back(with_schedule(conv("flat_depthwise_w3", {2, 5, 4, 3}, 5, pair(3, 3),
                                 {{"padding", str("same")}, {"groups", num(5)}}),
                            {vw, 1, 1, 4, false, false, true}));
  c.push_back(with_schedule(conv("flat_strided_falls_back", {1, 3, 9, 9}, 4, pair(3, 3),
                                 {{"padding", str("same")}, {"stride", pair(2, 2)}}),
                            flat));
  return c;
}

OpCase dense(std::string name, int64_t batch, int64_t in, int64_t units, bool bias = true) {
  return {"dense_" + name,
          "dense",
          {{batch, in}},
          attrs({{"units", num(units)}, {"use_bias", num(bias)}})};
}

std::vector<OpCase> dense_cases() {
  std::vector<OpCase> c = {
      dense("basic", 1, 64, 10),     dense("tails_nobias", 5, 37, 13, false),
      dense("k_lt_vector", 3, 3, 7), dense("k1", 2, 1, 5),
      dense("parallel", 8, 300, 70),
  };
  OpCase s = dense("sched_lanes4", 6, 45, 11);
  s.lower = [](const LowerRequest &r) {
    return codegen::ops::lower_dense_with(r, DenseSchedule{4, 3, 2, true});
  };
  c.push_back(s);
  return c;
}

OpCase pool(std::string op, std::string name, ir::Shape x, ir::AttrValue kernel,
            std::initializer_list<std::pair<const char *, ir::AttrValue>> more = {}) {
  ir::Attrs a = attrs(more);
  a.set("kernel", kernel);
  return {op + "_" + name, op, {x}, a};
}

std::vector<OpCase> pool_cases() {
  const std::string mx = "max_pool2d", av = "avg_pool2d";
  return {
      pool(mx, "2x2", {1, 3, 8, 10}, pair(2, 2)),
      pool(mx, "3x3s2_overlap", {2, 4, 11, 13}, pair(3, 3), {{"stride", pair(2, 2)}}),
      pool(mx, "3x3s2_pad1", {1, 3, 12, 12}, pair(3, 3),
           {{"stride", pair(2, 2)}, {"padding", pads(1, 1, 1, 1)}}),
      pool(mx, "3x3s2_ceil", {1, 2, 10, 10}, pair(3, 3),
           {{"stride", pair(2, 2)}, {"ceil_mode", num(1)}}),
      pool(mx, "same_s2", {1, 3, 9, 14}, pair(3, 3),
           {{"stride", pair(2, 2)}, {"padding", str("same")}}),
      pool(mx, "k2x3_s1x2", {1, 2, 7, 20}, pair(2, 3), {{"stride", pair(1, 2)}}),
      pool(mx, "narrow_batch2", {2, 3, 6, 3}, pair(2, 2), {{"stride", pair(1, 1)}}),
      pool(av, "2x2", {1, 3, 8, 10}, pair(2, 2)),
      pool(av, "3x3s2_pad_incl", {1, 3, 11, 12}, pair(3, 3),
           {{"stride", pair(2, 2)}, {"padding", pads(1, 1, 1, 1)}, {"count_include_pad", num(1)}}),
      pool(av, "3x3s2_pad_excl", {1, 3, 11, 12}, pair(3, 3),
           {{"stride", pair(2, 2)}, {"padding", pads(1, 1, 1, 1)}, {"count_include_pad", num(0)}}),
      pool(av, "ceil_pad_incl", {1, 2, 10, 11}, pair(3, 3),
           {{"stride", pair(2, 2)},
            {"padding", pads(1, 1, 1, 1)},
            {"ceil_mode", num(1)},
            {"count_include_pad", num(1)}}),
      pool(av, "ceil_excl", {2, 2, 10, 9}, pair(3, 2),
           {{"stride", pair(2, 2)}, {"ceil_mode", num(1)}, {"count_include_pad", num(0)}}),
      pool(av, "asym_pad_incl", {1, 2, 7, 9}, pair(2, 3),
           {{"stride", pair(1, 2)}, {"padding", pads(0, 1, 1, 2)}, {"count_include_pad", num(1)}}),
      pool(av, "large_same", {2, 16, 32, 32}, pair(3, 3),
           {{"stride", pair(1, 1)}, {"padding", str("same")}}),
  };
}

OpCase unary(std::string op, std::string name, ir::Shape x, ir::Attrs a = {}, double tol = 1e-5,
             float range = 1.0f) {
  OpCase c{op + "_" + name, op, {x}, a, tol};
  c.lo = -range;
  c.hi = range;
  return c;
}

std::vector<OpCase> other_cases() {
  ir::Shape big = {1, 100003};
  return {
      unary("global_avg_pool", "7x7", {2, 3, 7, 7}, {}, 1e-4),
      unary("global_avg_pool", "large", {1, 64, 56, 56}, {}, 1e-4),
      unary("global_avg_pool", "1x1", {1, 5, 1, 1}, {}, 1e-4),
      unary("global_max_pool", "3x5", {2, 4, 3, 5}, {}, 1e-4),
      unary("global_max_pool", "large", {2, 32, 20, 20}, {}, 1e-4),
      unary("batch_norm", "nchw", {2, 8, 5, 7}, {}, 1e-4),
      unary("batch_norm", "rank2", {4, 20}, {}, 1e-4),
      unary("batch_norm", "rank3", {2, 3, 17}, {}, 1e-4),
      unary("batch_norm", "large", {1, 64, 32, 32}, attrs({{"epsilon", 1e-3}}), 1e-4),
      unary("relu", "nchw", {2, 3, 5, 7}),
      unary("relu", "tiny", {3}),
      unary("relu", "large", big),
      unary("sigmoid", "nchw", {2, 3, 5, 7}, {}, 1e-5, 12.0f),
      unary("sigmoid", "large", big, {}, 1e-5, 30.0f),
      unary("tanh", "nchw", {2, 3, 5, 7}, {}, 1e-5, 3.0f),
      unary("tanh", "near_zero", {1000}, {}, 1e-5, 0.2f),
      unary("tanh", "large", big, {}, 1e-5, 12.0f),
      unary("softmax", "axis1_nchw", {2, 5, 3, 4}, attrs({{"axis", num(1)}}), 1e-5, 5.0f),
      unary("softmax", "last_2d", {3, 10}, attrs({{"axis", num(-1)}}), 1e-5, 5.0f),
      unary("softmax", "last_wide", {4, 1000}, attrs({{"axis", num(-1)}}), 1e-5, 20.0f),
      unary("softmax", "axis0", {6, 3}, attrs({{"axis", num(0)}}), 1e-5, 5.0f),
      unary("softmax", "last_4d_odd", {2, 3, 4, 33}, attrs({{"axis", num(3)}}), 1e-5, 5.0f),
      unary("softmax", "axis1_large", {2, 10, 64, 64}, attrs({{"axis", num(1)}}), 1e-5, 5.0f),
      {"add_nchw", "add", {{2, 3, 4, 5}, {2, 3, 4, 5}}, {}, 1e-5},
      {"add_tiny", "add", {{3}, {3}}, {}, 1e-5},
      {"add_large", "add", {{200000}, {200000}}, {}, 1e-5},
      {"concat_axis1_3in",
       "concat",
       {{2, 3, 4, 5}, {2, 1, 4, 5}, {2, 6, 4, 5}},
       attrs({{"axis", num(1)}}),
       1e-5},
      {"concat_last_3in",
       "concat",
       {{3, 4, 2}, {3, 4, 5}, {3, 4, 20}},
       attrs({{"axis", num(-1)}}),
       1e-5},
      {"concat_axis0", "concat", {{2, 3}, {5, 3}}, attrs({{"axis", num(0)}}), 1e-5},
      {"concat_large",
       "concat",
       {{4, 64, 32, 32}, {4, 32, 32, 32}},
       attrs({{"axis", num(1)}}),
       1e-5},
      unary("flatten", "axis1", {2, 3, 4, 5}, attrs({{"axis", num(1)}})),
      unary("flatten", "axis0", {2, 3, 4}, attrs({{"axis", num(0)}})),
  };
}

// A conv2d or dense case with a fused epilogue:
// post(act(layer + bias) + residual); "none" leaves a slot out.
OpCase with_epilogue(OpCase c, const std::string &act, bool residual, const std::string &post) {
  c.name += "_epi";
  if (act != "none") {
    c.attrs.set("activation", act);
    c.name += "_" + act;
  }
  if (residual) c.name += "_res";
  c.residual = residual;
  if (post != "none") {
    c.attrs.set("post_activation", post);
    c.name += "_post_" + post;
  }
  return c;
}

std::vector<OpCase> epilogue_cases() {
  const ir::Shape image = {1, 8, 12, 20};
  const auto same = [](std::string name, ir::Shape x, int64_t f) {
    return conv(std::move(name), x, f, pair(3, 3), {{"padding", str("same")}});
  };
  int vw = codegen::natural_vector_width(host());
  std::vector<OpCase> c = {
      // Each activation alone, then the ResNet tail (relu, + shortcut, relu).
      with_epilogue(same("same3x3", image, 16), "relu", false, "none"),
      with_epilogue(same("same3x3", image, 16), "sigmoid", false, "none"),
      with_epilogue(same("same3x3", image, 16), "tanh", false, "none"),
      with_epilogue(same("same3x3", image, 16), "none", true, "relu"),
      with_epilogue(same("same3x3", image, 16), "relu", true, "relu"),
      with_epilogue(conv("valid_nobias", {2, 3, 9, 11}, 7, pair(3, 3), {{"use_bias", num(0)}}),
                    "none", true, "relu"),
      with_epilogue(conv("valid_nobias", {2, 3, 9, 11}, 7, pair(3, 3), {{"use_bias", num(0)}}),
                    "tanh", false, "none"),
      // Strided and padded (direct form, padded input buffered).
      with_epilogue(conv("stride2_same_odd", {1, 4, 13, 15}, 8, pair(3, 3),
                         {{"stride", pair(2, 2)}, {"padding", str("same")}}),
                    "tanh", true, "sigmoid"),
      with_epilogue(conv("pad_asym_reflect_s2", {1, 2, 11, 9}, 3, pair(5, 3),
                         {{"padding", pads(2, 0, 1, 2)},
                          {"padding_mode", str("reflect")},
                          {"stride", pair(2, 2)}}),
                    "relu", true, "none"),
      with_epilogue(conv("depthwise", {1, 8, 10, 33}, 8, pair(3, 3),
                         {{"groups", num(8)}, {"padding", str("same")}}),
                    "relu", true, "relu"),
      // Pointwise: the residual is seen as one row of H*W pixels too.
      with_epilogue(conv("pointwise", {2, 16, 7, 9}, 24, pair(1, 1)), "relu", true, "relu"),
      with_epilogue(conv("pointwise_nobias", {1, 8, 5, 6}, 12, pair(1, 1), {{"use_bias", num(0)}}),
                    "sigmoid", true, "none"),
      // The kernel covers the input: lowered as a dense layer.
      with_epilogue(conv("kernel_covers_input", {3, 4, 5, 6}, 9, pair(5, 6)), "relu", true,
                    "tanh"),
      // The flat-row form, where the epilogue runs on the copy out, and
      // non-default direct-form blocks.
      with_epilogue(with_schedule(conv("flat_reflect_asym", {1, 3, 6, 7}, 4, pair(3, 2),
                                       {{"padding", pads(2, 1, 0, 1)},
                                        {"padding_mode", str("reflect")}}),
                                  {vw, 2, 1, 3, true, true, true}),
                    "relu", true, "relu"),
      with_epilogue(with_schedule(same("small_7x7", {1, 16, 7, 7}, 24), {vw, 1, 1, 4, true, true, true}),
                    "sigmoid", false, "none"),
      with_epilogue(with_schedule(same("odd_blocks", {1, 6, 11, 37}, 11), {vw, 2, 3, 5, false, true}),
                    "tanh", true, "relu"),
      with_epilogue(with_schedule(conv("narrow_vectors", {2, 4, 5, 30}, 17, pair(3, 1),
                                       {{"padding", pads(1, 0, 1, 0)}, {"stride", pair(1, 2)}}),
                                  {4, 3, 1, 16, true, false}),
                    "relu", true, "sigmoid"),
      with_epilogue(same("vgg_block_64", {1, 64, 14, 14}, 64), "relu", true, "relu"),
      // dense, with and without bias, and with explicit knobs.
      with_epilogue(dense("basic", 1, 64, 10), "relu", false, "none"),
      with_epilogue(dense("basic", 1, 64, 10), "tanh", false, "none"),
      with_epilogue(dense("parallel", 8, 300, 70), "sigmoid", true, "tanh"),
      with_epilogue(dense("tails_nobias", 5, 37, 13, false), "none", true, "relu"),
      with_epilogue(dense("k1", 2, 1, 5), "relu", true, "relu"),
  };
  OpCase s = with_epilogue(dense("sched_lanes4", 6, 45, 11), "relu", true, "sigmoid");
  s.lower = [](const LowerRequest &r) {
    return codegen::ops::lower_dense_with(r, DenseSchedule{4, 3, 2, true});
  };
  c.push_back(s);
  return c;
}

std::vector<OpCase> all_cases() {
  std::vector<OpCase> all;
  for (auto f : {conv_cases, dense_cases, epilogue_cases, pool_cases, other_cases})
    for (OpCase &c : f()) all.push_back(std::move(c));
  return all;
}

void write_lowered_stmt(LoweredKernel &k, const std::string &path) {
  std::vector<Halide::Argument> args(k.params.begin(), k.params.end());
  k.pipeline.compile_to_lowered_stmt(path, args, Halide::StmtOutputFormat::Text, host());
}

// The loop nest Halide lowers a kernel to, as text.
std::string lowered_stmt(LoweredKernel &k) {
  std::string path = ::testing::TempDir() + "kiln_lowered_stmt.txt";
  write_lowered_stmt(k, path);
  std::ifstream f(path);
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::remove(path.c_str());
  return s;
}

class LoweringTest : public ::testing::TestWithParam<OpCase> {};

// The case's one-node graph: its data inputs, its parameters, then the
// residual when it has one (appended as fuse-epilogue does).
testing::OneNode case_graph(const OpCase &c, uint32_t seed) {
  testing::OneNode g = testing::one_node(c.op, c.inputs, c.attrs, seed, c.lo, c.hi);
  if (!c.residual) return g;
  const ir::Shape out = g.graph.value(g.n().outputs[0]).type.shape;
  int r = g.graph.add_input("residual", {ir::DType::F32, out});
  g.graph.nodes[g.node].inputs.push_back(r);
  g.graph.nodes[g.node].attrs.set("has_residual", int64_t{1});
  g.inputs.push_back(testing::random_tensor(out, seed + 4242, c.lo, c.hi));
  g.graph.mark_output(g.n().outputs[0]);
  ir::verify_or_throw(g.graph, c.name);  // the shape rule accepts the residual
  return g;
}

void check_against_reference(const OpCase &c) {
  uint32_t seed = static_cast<uint32_t>(std::hash<std::string>{}(c.name));
  testing::OneNode g = case_graph(c, seed);
  LowerRequest req = testing::lower_request(g, host());
  LoweredKernel k = c.lower ? c.lower(req) : codegen::lower_node(req);
  EXPECT_FALSE(k.schedule.empty());
  ::testing::Test::RecordProperty("schedule", k.schedule);  // in --gtest_output=xml reports
  if (const char *dir = getenv("KILN_DUMP_STMT_DIR"))       // for reading the loop nests
    write_lowered_stmt(k, std::string(dir) + "/" + c.name + ".stmt");
  std::vector<ir::Shape> out_shapes;
  for (const auto &t : req.outputs) out_shapes.push_back(t.shape);
  std::vector<reference::Tensor> got = testing::run_lowered(k, g.inputs, out_shapes, host());

  std::vector<const reference::Tensor *> in;
  for (const auto &t : g.inputs) in.push_back(&t);
  std::vector<reference::Tensor> want = reference::run_node(g.n(), in);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); i++) {
    std::string diff = testing::compare(got[i], want[i], c.tol);
    EXPECT_TRUE(diff.empty()) << c.name << " (" << k.schedule << "): " << diff;
  }
}

TEST_P(LoweringTest, MatchesReference) {
  const OpCase &c = GetParam();
  SCOPED_TRACE("case " + c.name);
  try {
    check_against_reference(c);
  } catch (const Halide::Error &e) {  // not a std::exception: gtest would lose the message
    FAIL() << c.name << ": Halide error: " << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Ops, LoweringTest, ::testing::ValuesIn(all_cases()),
                         [](const ::testing::TestParamInfo<OpCase> &info) {
                           return info.param.name;
                         });

// A large conv is scheduled, not left to Halide's default (everything
// inlined, serial): its loop nest has a parallel loop and full-width vectors.
TEST(LoweringSchedule, LargeConvIsParallelAndVectorized) {
  OpCase c = conv("check", {1, 64, 56, 56}, 64, pair(3, 3), {{"padding", str("same")}});
  testing::OneNode g = testing::one_node(c.op, c.inputs, c.attrs, 1);
  LoweredKernel k = codegen::lower_node(testing::lower_request(g, host()));
  std::string stmt = lowered_stmt(k);
  std::string vec = std::to_string(codegen::natural_vector_width(host()));
  EXPECT_NE(stmt.find("parallel"), std::string::npos) << k.schedule;
  EXPECT_NE(stmt.find(", 1, " + vec + ")"), std::string::npos) << k.schedule;
}

// The fused epilogue keeps the conv's schedule: still parallel, and the
// residual is read with full-width vector loads in the output stage.
TEST(LoweringSchedule, FusedEpilogueIsVectorized) {
  OpCase c = with_epilogue(
      conv("check", {1, 64, 56, 56}, 64, pair(3, 3), {{"padding", str("same")}}), "relu", true,
      "relu");
  testing::OneNode g = case_graph(c, 1);
  LoweredKernel k = codegen::lower_node(testing::lower_request(g, host()));
  std::string stmt = lowered_stmt(k);
  std::string vec = std::to_string(codegen::natural_vector_width(host()));
  EXPECT_NE(stmt.find("parallel"), std::string::npos) << k.schedule;
  EXPECT_NE(stmt.find("residual[ramp("), std::string::npos) << k.schedule;
  EXPECT_NE(stmt.find(", 1, " + vec + ")"), std::string::npos) << k.schedule;
  EXPECT_NE(k.schedule.find("epilogue relu -> + residual -> relu"), std::string::npos)
      << k.schedule;
}

TEST(LoweringSchedule, LargeElementwiseIsParallelAndVectorized) {
  testing::OneNode g = testing::one_node("relu", {{4, 64, 32, 32}}, {}, 1);
  LoweredKernel k = codegen::lower_node(testing::lower_request(g, host()));
  std::string stmt = lowered_stmt(k);
  std::string vec = std::to_string(codegen::natural_vector_width(host()));
  EXPECT_NE(stmt.find("parallel"), std::string::npos) << k.schedule;
  EXPECT_NE(stmt.find(", 1, " + vec + ")"), std::string::npos) << k.schedule;
}

TEST(ConvScheduleHeuristic, BlocksFitExtentsAndRegisters) {
  codegen::schedules::ConvShape shapes[] = {
      {1, 64, 56, 56, 64, 56, 56, 1, 3, 3, 1, 1},
      {1, 3, 5, 5, 7, 3, 3, 1, 3, 3, 1, 1},
      {2, 8, 1, 1, 16, 1, 1, 1, 1, 1, 1, 1},
      {1, 32, 14, 14, 32, 14, 14, 32, 3, 3, 1, 1},
  };
  int regs = codegen::schedules::cpu_info(host()).vector_registers;
  for (const auto &s : shapes) {
    ConvSchedule k = codegen::schedules::default_conv_schedule(s, host());
    SCOPED_TRACE(k.describe());
    EXPECT_LE(k.vector_width * k.x_vectors,
              k.flat_rows ? codegen::schedules::flat_row_length(s) : s.out_w);
    EXPECT_LE(k.y_block, s.out_h);
    EXPECT_LE(k.co_block, s.out_channels);
    EXPECT_LE(k.x_vectors * k.y_block * k.co_block, regs);
  }
}

// Not a unit test: GFLOP/s of the VGG-like layer 64->64, 56x56, 3x3 'same',
// batch 1. Run with
//   codegen_ops_test --gtest_also_run_disabled_tests --gtest_filter='*ConvBench*'
// KILN_BENCH_CONV="C,H,W,F" times another C->F HxW 3x3 'same' layer;
// KILN_CONV_SCHEDULE="vw,xv,yb,cb,flat" times those knobs instead of the default.
TEST(ConvBench, DISABLED_Vgg64x56x56) {
  int64_t ch = 64, h = 56, w = 56, f = 64;
  if (const char *env = getenv("KILN_BENCH_CONV")) sscanf(env, "%ld,%ld,%ld,%ld", &ch, &h, &w, &f);
  OpCase c = conv("bench", {1, ch, h, w}, f, pair(3, 3), {{"padding", str("same")}});
  testing::OneNode g = testing::one_node(c.op, c.inputs, c.attrs, 1);
  LowerRequest req = testing::lower_request(g, host());
  LoweredKernel k = codegen::lower_node(req);
  if (const char *env = getenv("KILN_CONV_SCHEDULE")) {
    ConvSchedule s;
    int flat = 0;
    if (sscanf(env, "%d,%d,%d,%d,%d", &s.vector_width, &s.x_vectors, &s.y_block, &s.co_block,
               &flat) >= 4) {
      s.flat_rows = flat != 0;
      k = codegen::ops::lower_conv2d_with(req, s);
    }
  }
  k.pipeline.compile_jit(host());
  std::vector<reference::Tensor> in = g.inputs;
  for (size_t i = 0; i < in.size(); i++)
    k.params[i].set(testing::view_buffer(in[i].data.data(), k.input_views[i]));
  reference::Tensor out(req.outputs[0].shape);
  Halide::Buffer<float> ob = testing::view_buffer(out.data.data(), k.output_views[0]);
  double flops = 2.0 * ch * f * 9 * h * w;
  double best = 1e30;
  int iters = std::max(1, static_cast<int>(2e9 / flops));  // about 20 ms at 100 GFLOP/s
  for (int rep = 0; rep < 5; rep++) {
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < iters; i++) k.pipeline.realize(ob, host());
    double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::min(best, dt / iters);
  }
  printf("%s\n  %ldx%ldx%ld -> %ld: %.3f ms per call, %.1f GFLOP/s (target %s)\n",
         k.schedule.c_str(), ch, h, w, f, best * 1e3, flops / best * 1e-9,
         host().to_string().c_str());
}

}  // namespace
}  // namespace kiln
