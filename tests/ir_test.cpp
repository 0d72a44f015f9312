// The graph IR itself: every op's shape rule (a table with one row or more
// per op, which must name every op in ir/ops/op_list.def), the sliding-window
// geometry, the text of user errors (node name and both shapes), attribute
// checking, the verifier's numbered invariants and the printer (golden text).
// No numbers are computed here, so there are no tolerances.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "ir/errors.h"
#include "ir/graph.h"
#include "ir/op.h"
#include "ir/ops/window.h"
#include "ir/printer.h"
#include "ir/verifier.h"

namespace kiln {
namespace {

using ints = std::vector<int64_t>;
using Kv = std::initializer_list<std::pair<const char *, ir::AttrValue>>;

ir::TensorType f32(ir::Shape s) { return {ir::DType::F32, std::move(s)}; }

ir::Attrs attrs(Kv kv) {
  ir::Attrs a;
  for (const auto &[k, v] : kv) a.set(k, v);
  return a;
}

ir::AttrValue pair(int64_t h, int64_t w) { return ints{h, w}; }
ir::AttrValue pads(int64_t t, int64_t l, int64_t b, int64_t r) { return ints{t, l, b, r}; }
ir::AttrValue str(const char *s) { return std::string(s); }
ir::AttrValue num(int64_t v) { return v; }

// A node input: a graph input, or a parameter (zero data) when `param`.
struct In {
  ir::Shape shape;
  bool param = false;
};
In x(ir::Shape s) { return {std::move(s), false}; }
In w(ir::Shape s) { return {std::move(s), true}; }

// Adds the inputs and one node named `name`; returns the node id.
int build(ir::Graph &g, const std::string &op, const std::vector<In> &ins, const ir::Attrs &a,
          const std::string &name = "n") {
  std::vector<int> ids;
  for (size_t k = 0; k < ins.size(); k++) {
    std::string v = "v" + std::to_string(k);
    ids.push_back(ins[k].param ? g.add_param(v, f32(ins[k].shape),
                                             std::vector<float>(ir::numel(ins[k].shape), 0.0f))
                               : g.add_input(v, f32(ins[k].shape)));
  }
  return g.add_node(op, name, ids, a);
}

// The shape the op infers, as "1x3x8x8".
std::string inferred(const std::string &op, const std::vector<In> &ins, const ir::Attrs &a) {
  ir::Graph g;
  const ir::Node &n = g.nodes[build(g, op, ins, a)];
  return ir::shape_str(g.value(n.outputs[0]).type.shape);
}

// The UserError message building the node gives ("" when it builds).
std::string error_of(const std::string &op, const std::vector<In> &ins, const ir::Attrs &a,
                     const std::string &name = "n") {
  ir::Graph g;
  try {
    build(g, op, ins, a, name);
  } catch (const UserError &e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string &text, const std::string &part) {
  return text.find(part) != std::string::npos;
}

#define EXPECT_CONTAINS(text, part) EXPECT_PRED2(contains, text, part)

// ---------------------------------------------------------------- shape rules

struct InferCase {
  std::string name;
  std::string op;
  std::vector<In> ins;
  ir::Attrs attrs;
  std::string want;  // the inferred output shape
};

void PrintTo(const InferCase &c, std::ostream *os) { *os << c.name; }

ir::Attrs conv(int64_t filters, int64_t kh, int64_t kw, Kv more = {}) {
  ir::Attrs a = attrs(more);
  a.set("filters", filters);
  a.set("kernel", pair(kh, kw));
  if (!a.has("use_bias")) a.set("use_bias", num(0));
  return a;
}

ir::Attrs pool(int64_t k, Kv more = {}) {
  ir::Attrs a = attrs(more);
  a.set("kernel", pair(k, k));
  return a;
}

const ir::Shape bn_x = {2, 3, 4, 4};
std::vector<In> bn_ins(ir::Shape xs) {
  int64_t c = xs[1];
  return {x(std::move(xs)), w({c}), w({c}), w({c}), w({c})};
}

std::vector<InferCase> infer_cases() {
  return {
      // conv2d: out = (in + pads - ((k-1)*d + 1)) / s + 1
      {"conv_valid",
       "conv2d",
       {x({1, 3, 32, 32}), w({6, 3, 5, 5}), w({6})},
       conv(6, 5, 5, {{"use_bias", num(1)}}),
       "1x6x28x28"},
      {"conv_same_stride1",
       "conv2d",
       {x({2, 3, 9, 7}), w({4, 3, 3, 3})},
       conv(4, 3, 3, {{"padding", str("same")}}),
       "2x4x9x7"},
      // "same", stride 2, odd size: ceil(7/2) = 4.
      {"conv_same_stride2_odd",
       "conv2d",
       {x({1, 3, 7, 7}), w({4, 3, 3, 3})},
       conv(4, 3, 3, {{"padding", str("same")}, {"stride", pair(2, 2)}}),
       "1x4x4x4"},
      // ceil(7/2) = 4 rows, ceil(11/3) = 4 columns with a 3x5 kernel.
      {"conv_same_nonsquare",
       "conv2d",
       {x({1, 1, 7, 11}), w({2, 1, 3, 5})},
       conv(2, 3, 5, {{"padding", str("same")}, {"stride", pair(2, 3)}}),
       "1x2x4x4"},
      // Dilation 2: a 3-tap kernel spans 5, so 7 -> 3; dilation 1 on W: 7 -> 5.
      {"conv_dilation",
       "conv2d",
       {x({1, 1, 7, 7}), w({1, 1, 3, 3})},
       conv(1, 3, 3, {{"dilation", pair(2, 1)}}),
       "1x1x3x5"},
      {"conv_dilation_same",
       "conv2d",
       {x({1, 1, 7, 8}), w({1, 1, 3, 3})},
       conv(1, 3, 3, {{"dilation", pair(2, 3)}, {"padding", str("same")}}),
       "1x1x7x8"},
      // Explicit [t,l,b,r] = [1,2,3,4], stride (2,1): (5+4-3)/2+1 = 4, (5+6-3)+1 = 9.
      {"conv_explicit_padding",
       "conv2d",
       {x({1, 1, 5, 5}), w({1, 1, 3, 3})},
       conv(1, 3, 3, {{"padding", pads(1, 2, 3, 4)}, {"stride", pair(2, 1)}}),
       "1x1x4x9"},
      {"conv_groups",
       "conv2d",
       {x({1, 4, 8, 8}), w({6, 2, 3, 3})},
       conv(6, 3, 3, {{"groups", num(2)}}),
       "1x6x6x6"},
      {"conv_depthwise_reflect",
       "conv2d",
       {x({1, 3, 4, 4}), w({3, 1, 3, 3})},
       conv(3, 3, 3,
            {{"groups", num(3)}, {"padding", str("same")}, {"padding_mode", str("reflect")}}),
       "1x3x4x4"},
      {"dense", "dense", {x({2, 10}), w({5, 10}), w({5})}, attrs({{"units", num(5)}}), "2x5"},
      {"dense_no_bias",
       "dense",
       {x({1, 3}), w({7, 3})},
       attrs({{"units", num(7)}, {"use_bias", num(0)}}),
       "1x7"},
      // conv_transpose2d: out = (in-1)*s - pads + d*(k-1) + output_padding + 1:
      // (5-1)*2 - 2 + 2 + 1 + 1 = 10, (7-1)*2 - 2 + 2 + 1 + 1 = 14.
      {"conv_transpose_s2",
       "conv_transpose2d",
       {x({1, 4, 5, 7}), w({4, 3, 3, 3})},
       conv(6, 3, 3,
            {{"stride", pair(2, 2)},
             {"padding", pads(1, 1, 1, 1)},
             {"output_padding", ir::AttrValue(ints{1, 1})},
             {"groups", num(2)}}),
       "1x6x10x14"},
      {"conv_transpose_valid",
       "conv_transpose2d",
       {x({2, 3, 4, 4}), w({3, 5, 2, 2}), w({5})},
       conv(5, 2, 2, {{"use_bias", num(1)}}),
       "2x5x5x5"},
      // Recurrent layers: [T, N, I] -> [T, N, H], or [N, H] for the last step.
      {"rnn",
       "rnn",
       {x({7, 2, 3}), w({5, 3}), w({5, 5}), w({5}), w({5})},
       attrs({{"hidden_size", num(5)}}),
       "7x2x5"},
      {"lstm_last",
       "lstm",
       {x({7, 2, 3}), w({20, 3}), w({20, 5}), w({20}), w({20})},
       attrs({{"hidden_size", num(5)}, {"return_sequences", num(0)}}),
       "2x5"},
      {"gru_no_bias",
       "gru",
       {x({1, 4, 3}), w({15, 3}), w({15, 5})},
       attrs({{"hidden_size", num(5)}, {"use_bias", num(0)}}),
       "1x4x5"},
      // Pooling: the stride defaults to the kernel.
      {"max_pool_default_stride", "max_pool2d", {x({1, 2, 5, 5})}, pool(2), "1x2x2x2"},
      {"max_pool_stride1",
       "max_pool2d",
       {x({1, 2, 5, 5})},
       pool(2, {{"stride", pair(1, 1)}}),
       "1x2x4x4"},
      {"max_pool_ceil",
       "max_pool2d",
       {x({1, 2, 5, 5})},
       pool(2, {{"ceil_mode", num(1)}}),
       "1x2x3x3"},
      // 6, k3, s2, pad 1: floor (6+2-3)/2+1 = 3, ceil 4 (the last window starts at 5, inside).
      {"max_pool_pad_floor",
       "max_pool2d",
       {x({1, 1, 6, 6})},
       pool(3, {{"stride", pair(2, 2)}, {"padding", pads(1, 1, 1, 1)}}),
       "1x1x3x3"},
      {"max_pool_pad_ceil",
       "max_pool2d",
       {x({1, 1, 6, 6})},
       pool(3, {{"stride", pair(2, 2)}, {"padding", pads(1, 1, 1, 1)}, {"ceil_mode", num(1)}}),
       "1x1x4x4"},
      // 3, k2, s2, pad 1, ceil: rounding up gives 3, but the third window
      // would start at 4 - 1 = 3, in the end padding, so PyTorch drops it: 2.
      {"max_pool_ceil_drops_window_in_padding",
       "max_pool2d",
       {x({1, 1, 3, 3})},
       pool(2, {{"stride", pair(2, 2)}, {"padding", pads(1, 1, 1, 1)}, {"ceil_mode", num(1)}}),
       "1x1x2x2"},
      {"avg_pool_same",
       "avg_pool2d",
       {x({1, 1, 5, 5})},
       pool(2, {{"padding", str("same")}}),
       "1x1x3x3"},
      {"avg_pool_ceil_count_pad",
       "avg_pool2d",
       {x({1, 1, 4, 4})},
       pool(3, {{"stride", pair(2, 2)},
                {"padding", pads(1, 1, 1, 1)},
                {"ceil_mode", num(1)},
                {"count_include_pad", num(1)}}),
       "1x1x3x3"},
      {"global_avg_pool", "global_avg_pool", {x({2, 3, 7, 5})}, {}, "2x3x1x1"},
      {"global_max_pool", "global_max_pool", {x({2, 3, 7, 5})}, {}, "2x3x1x1"},
      {"batch_norm_nchw", "batch_norm", bn_ins(bn_x), {}, "2x3x4x4"},
      {"batch_norm_rank2", "batch_norm", bn_ins({5, 3}), attrs({{"epsilon", 1e-3}}), "5x3"},
      {"relu", "relu", {x({2, 3, 4})}, {}, "2x3x4"},
      {"sigmoid", "sigmoid", {x({7})}, {}, "7"},
      {"tanh", "tanh", {x({1, 2})}, {}, "1x2"},
      {"elu", "elu", {x({2, 3})}, attrs({{"alpha", 0.5}}), "2x3"},
      {"selu", "selu", {x({4})}, {}, "4"},
      {"swish", "swish", {x({1, 2, 3})}, {}, "1x2x3"},
      {"mish", "mish", {x({5})}, {}, "5"},
      {"softplus", "softplus", {x({2, 2})}, attrs({{"beta", 2.0}}), "2x2"},
      {"leaky_relu", "leaky_relu", {x({3})}, attrs({{"alpha", 0.1}}), "3"},
      {"relu6", "relu6", {x({3})}, {}, "3"},
      {"hard_sigmoid", "hard_sigmoid", {x({3})}, {}, "3"},
      {"hard_swish", "hard_swish", {x({3})}, {}, "3"},
      {"softsign", "softsign", {x({3})}, {}, "3"},
      {"clip", "clip", {x({3})}, attrs({{"min", 0.0}, {"max", 6.0}}), "3"},
      {"lrn", "lrn", {x({2, 6, 3, 3})}, attrs({{"size", num(5)}}), "2x6x3x3"},
      {"softmax", "softmax", {x({2, 10})}, {}, "2x10"},
      {"softmax_axis0", "softmax", {x({2, 10, 3})}, attrs({{"axis", num(-3)}}), "2x10x3"},
      {"add", "add", {x({1, 8, 4, 4}), x({1, 8, 4, 4})}, {}, "1x8x4x4"},
      {"add_param", "add", {x({3}), w({3})}, {}, "3"},
      {"add_broadcast", "add", {x({2, 1, 4}), x({3, 1})}, {}, "2x3x4"},
      {"sub", "sub", {x({2, 3}), x({3})}, {}, "2x3"},
      {"mul_channels", "mul", {x({2, 8, 4, 4}), x({8, 1, 1})}, {}, "2x8x4x4"},
      {"div_scalar", "div", {x({1}), x({2, 5})}, {}, "2x5"},
      {"prelu", "prelu", {x({2, 3, 4, 4}), w({3, 1, 1})}, {}, "2x3x4x4"},
      {"scale_channels", "scale_channels", {x({2, 8, 4, 4}), x({2, 8})}, {}, "2x8x4x4"},
      {"scale_channels_4d", "scale_channels", {x({2, 8, 4, 4}), x({2, 8, 1, 1})}, {}, "2x8x4x4"},
      {"concat_channels",
       "concat",
       {x({1, 2, 4, 4}), x({1, 3, 4, 4}), x({1, 1, 4, 4})},
       {},
       "1x6x4x4"},
      {"concat_last", "concat", {x({2, 3}), x({2, 5})}, attrs({{"axis", num(-1)}}), "2x8"},
      {"concat_batch", "concat", {x({1, 3}), x({4, 3})}, attrs({{"axis", num(0)}}), "5x3"},
      {"concat_one_input", "concat", {x({1, 3})}, {}, "1x3"},
      {"flatten", "flatten", {x({2, 3, 4, 5})}, {}, "2x60"},
      {"flatten_axis0", "flatten", {x({2, 3, 4, 5})}, attrs({{"axis", num(0)}}), "1x120"},
      {"flatten_axis2", "flatten", {x({2, 3, 4, 5})}, attrs({{"axis", num(2)}}), "6x20"},
      {"flatten_axis_rank", "flatten", {x({2, 3, 4, 5})}, attrs({{"axis", num(4)}}), "120x1"},
      {"dropout", "dropout", {x({2, 8})}, attrs({{"rate", 0.25}}), "2x8"},
      {"fused_elementwise",
       "fused_elementwise",
       {x({2, 3, 2}), w({3}), w({3}), x({2, 3, 2})},
       attrs({{"program", str("scale_shift(x0,x1,x2); add(t0,x3); relu(t1)")}}),
       "2x3x2"},
      // Training ops (docs/training.md); multi-output ops show output 0.
      {"relu_backward", "relu_backward", {x({2, 3}), x({2, 3})}, {}, "2x3"},
      {"sigmoid_backward", "sigmoid_backward", {x({4}), x({4})}, {}, "4"},
      {"tanh_backward", "tanh_backward", {x({1, 5}), x({1, 5})}, {}, "1x5"},
      {"softmax_backward",
       "softmax_backward",
       {x({2, 4, 3}), x({2, 4, 3})},
       attrs({{"axis", num(1)}}),
       "2x4x3"},
      // The input of a stride-2 3x3 conv that gave 3x3 was 7x6 ("same": ceil(7/2) = 4, so valid
      // here).
      {"conv2d_backward_data",
       "conv2d_backward_data",
       {x({2, 6, 3, 2}), w({6, 2, 3, 3})},
       attrs({{"kernel", pair(3, 3)},
              {"stride", pair(2, 2)},
              {"groups", num(2)},
              {"input_size", pair(7, 6)}}),
       "2x4x7x6"},
      {"conv2d_backward_weight",
       "conv2d_backward_weight",
       {x({2, 6, 3, 2}), x({2, 4, 7, 6})},
       attrs({{"kernel", pair(3, 3)}, {"stride", pair(2, 2)}, {"groups", num(2)}}),
       "6x2x3x3"},
      {"channel_sum", "channel_sum", {x({2, 5, 3, 3})}, {}, "5"},
      // (3-1)*2+1 + 1 + 2 = 8 rows, (2-1)*3+1 + 0 + 1 = 5 columns.
      {"dilate_pad",
       "dilate_pad",
       {x({1, 2, 3, 2})},
       attrs({{"stride", pair(2, 3)}, {"padding", ir::AttrValue(ints{1, 0, 2, 1})}}),
       "1x2x8x5"},
      {"flip_conv_weight",
       "flip_conv_weight",
       {w({6, 2, 3, 1})},
       attrs({{"groups", num(3)}}),
       "6x2x3x1"},
      {"max_pool2d_backward",
       "max_pool2d_backward",
       {x({1, 2, 2, 2}), x({1, 2, 5, 5})},
       pool(2),
       "1x2x5x5"},
      {"avg_pool2d_backward",
       "avg_pool2d_backward",
       {x({1, 2, 3, 3})},
       pool(2, {{"ceil_mode", num(1)}, {"input_size", pair(5, 5)}}),
       "1x2x5x5"},
      {"batch_norm_train", "batch_norm_train", {x(bn_x), w({3}), w({3})}, {}, "2x3x4x4"},
      {"batch_norm_backward",
       "batch_norm_backward",
       {x(bn_x), x(bn_x), w({3}), x({3}), x({3})},
       {},
       "2x3x4x4"},
      {"running_stat_update",
       "running_stat_update",
       {w({3}), x({3})},
       attrs({{"momentum", 0.1}}),
       "3"},
      {"dropout_train",
       "dropout_train",
       {x({2, 8}), w({1})},
       attrs({{"rate", 0.25}, {"seed", num(3)}}),
       "2x8"},
      {"dropout_backward", "dropout_backward", {x({2, 8}), w({1})}, attrs({{"rate", 0.25}}), "2x8"},
      {"slice",
       "slice",
       {x({2, 7, 3})},
       attrs({{"axis", num(1)}, {"start", num(2)}, {"length", num(4)}}),
       "2x4x3"},
      {"reshape",
       "reshape",
       {x({2, 12})},
       attrs({{"shape", ir::AttrValue(ints{2, 3, 2, 2})}}),
       "2x3x2x2"},
      {"transpose", "transpose", {x({2, 5})}, {}, "5x2"},
      {"mse_loss", "mse_loss", {x({4, 3}), x({4, 3})}, {}, "1"},
      {"bce_loss", "bce_loss", {x({4}), x({4})}, {}, "1"},
      {"bce_with_logits_loss", "bce_with_logits_loss", {x({4, 1}), x({4, 1})}, {}, "1"},
      {"softmax_cross_entropy", "softmax_cross_entropy", {x({4, 10}), x({4})}, {}, "1"},
      {"sgd_update", "sgd_update", {w({3, 2}), x({3, 2}), x({1})}, {}, "3x2"},
      {"momentum_update",
       "momentum_update",
       {w({3}), x({3}), x({1}), w({3})},
       attrs({{"nesterov", num(1)}}),
       "3"},
      {"adagrad_update", "adagrad_update", {w({3}), x({3}), x({1}), w({3})}, {}, "3"},
      {"rmsprop_update", "rmsprop_update", {w({3}), x({3}), x({1}), w({3})}, {}, "3"},
      {"adam_update", "adam_update", {w({3}), x({3}), x({1}), w({3}), w({3}), w({1})}, {}, "3"},
      {"learning_rate",
       "learning_rate",
       {w({1})},
       attrs({{"lr", 0.1}, {"schedule", str("cosine")}}),
       "1"},
      // Backward ops of the later layers (tests/grad_rules_new_ops_test.cpp has their values).
      {"activation_backward",
       "activation_backward",
       {x({2, 3}), x({2, 3})},
       attrs({{"activation", str("elu")}, {"alpha", 0.5}}),
       "2x3"},
      {"log_softmax_backward", "log_softmax_backward", {x({2, 4}), x({2, 4})}, {}, "2x4"},
      {"lrn_backward",
       "lrn_backward",
       {x({1, 5, 2, 2}), x({1, 5, 2, 2})},
       attrs({{"size", num(3)}}),
       "1x5x2x2"},
      {"sum_to_shape",
       "sum_to_shape",
       {x({2, 3, 4})},
       attrs({{"shape", ir::AttrValue(ints{3, 1})}}),
       "3x1"},
      {"broadcast_to",
       "broadcast_to",
       {x({3, 1})},
       attrs({{"shape", ir::AttrValue(ints{2, 3, 4})}}),
       "2x3x4"},
      // ONNX import's ops (tests/onnx_ops_test.cpp has their values).
      {"permute",
       "permute",
       {x({2, 3, 4, 5})},
       attrs({{"perm", ir::AttrValue(ints{0, 2, 3, 1})}}),
       "2x4x5x3"},
      {"pad",
       "pad",
       {x({1, 2, 3})},
       attrs({{"pads", ir::AttrValue(ints{0, 1, 2, 0, 0, 3})}}),
       "1x3x8"},
      {"reduce_mean",
       "reduce_mean",
       {x({2, 3, 4, 5})},
       attrs({{"axes", ir::AttrValue(ints{1, 2})}}),
       "2x1x1x5"},
      {"log_softmax", "log_softmax", {x({4, 10})}, {}, "4x10"},
      {"matmul", "matmul", {x({2, 1, 3, 4}), x({5, 4, 6})}, {}, "2x5x3x6"},
      // 3-D convolution and pooling (tests/conv3d_pool3d_test.cpp has their values).
      {"conv3d",
       "conv3d",
       {x({1, 2, 5, 6, 7}), w({4, 2, 3, 3, 3})},
       attrs({{"filters", num(4)},
              {"kernel", ir::AttrValue(ints{3, 3, 3})},
              {"pads", ir::AttrValue(ints{1, 0, 0, 1, 0, 0})},
              {"use_bias", num(0)}}),
       "1x4x5x4x5"},
      {"max_pool3d",
       "max_pool3d",
       {x({1, 2, 4, 6, 7})},
       attrs({{"kernel", ir::AttrValue(ints{2, 2, 2})}}),
       "1x2x2x3x3"},
      {"avg_pool3d",
       "avg_pool3d",
       {x({1, 2, 4, 6, 7})},
       attrs({{"kernel", ir::AttrValue(ints{2, 3, 2})}, {"stride", ir::AttrValue(ints{1, 1, 1})}}),
       "1x2x3x4x6"},
      {"max_pool2d_argmax", "max_pool2d_argmax", {x({1, 2, 5, 5})}, pool(2), "1x2x2x2"},
      {"to_float16", "to_float16", {x({3, 4})}, {}, "3x4"},
      {"to_bfloat16", "to_bfloat16", {x({3, 4})}, {}, "3x4"},
      {"empty", "empty", {}, attrs({{"shape", ir::AttrValue(ints{2, 0, 3})}}), "2x0x3"},
      // tests/conv_transpose3d_test.cpp has its values.
      {"conv_transpose3d",
       "conv_transpose3d",
       {x({1, 2, 3, 4, 5}), w({2, 3, 2, 3, 3})},
       attrs({{"filters", num(3)},
              {"kernel", ir::AttrValue(ints{2, 3, 3})},
              {"stride", ir::AttrValue(ints{2, 1, 2})},
              {"use_bias", num(0)}}),
       "1x3x6x6x11"},
      // A depthwise 3x3 stride 2 ('same': ceil(9/2) = 5) then a 1x1 to 6 channels.
      {"conv2d_dw_pw",
       "conv2d_dw_pw",
       {x({1, 4, 9, 8}), w({4, 1, 3, 3}), w({4}), w({6, 4, 1, 1}), w({6})},
       attrs({{"pw_filters", num(6)},
              {"dw_kernel", pair(3, 3)},
              {"dw_stride", pair(2, 2)},
              {"dw_padding", str("same")}}),
       "1x6x5x4"},
  };
}

class InferTest : public ::testing::TestWithParam<InferCase> {};

TEST_P(InferTest, OutputShape) {
  const InferCase &c = GetParam();
  EXPECT_EQ(inferred(c.op, c.ins, c.attrs), c.want);
}

INSTANTIATE_TEST_SUITE_P(Ops, InferTest, ::testing::ValuesIn(infer_cases()),
                         [](const auto &info) { return info.param.name; });

TEST(Infer, TableCoversEveryOp) {
  std::set<std::string> covered;
  for (const auto &c : infer_cases()) covered.insert(c.op);
  for (const auto &op : ir::op_names())
    EXPECT_TRUE(covered.count(op)) << "no shape case for " << op;
}

TEST(Infer, OutputTypeIsPlainF32) {
  ir::Graph g;
  const ir::Node &n = g.nodes[build(g, "max_pool2d", {x({1, 1, 4, 4})}, pool(2))];
  const ir::TensorType &t = g.value(n.outputs[0]).type;
  EXPECT_EQ(ir::type_str(t), "f32[1x1x2x2]");
  EXPECT_EQ(t.layout, ir::Layout::Plain);
  EXPECT_EQ(t.numel(), 4);
}

TEST(Infer, NodeOutputValueTakesTheNodeName) {
  ir::Graph g;
  const ir::Node &n = g.nodes[build(g, "relu", {x({2})}, {}, "act")];
  ASSERT_EQ(n.outputs.size(), 1u);
  EXPECT_EQ(g.value(n.outputs[0]).name, "act");
  EXPECT_EQ(g.value(n.outputs[0]).kind, ir::ValueKind::Activation);
  EXPECT_EQ(g.value(n.outputs[0]).producer, 0);
  EXPECT_EQ(g.find_value("act"), n.outputs[0]);
  EXPECT_EQ(g.find_node("act"), 0);
  EXPECT_EQ(g.find_node("nothing"), -1);
}

TEST(Infer, AddNodeFillsDefaults) {
  ir::Graph g;
  const ir::Node &n =
      g.nodes[build(g, "conv2d", {x({1, 1, 4, 4}), w({1, 1, 3, 3})}, conv(1, 3, 3))];
  EXPECT_EQ(n.attrs.get_ints("stride"), ints({1, 1}));
  EXPECT_EQ(n.attrs.get_ints("dilation"), ints({1, 1}));
  EXPECT_EQ(n.attrs.get_string("padding"), "valid");
  EXPECT_EQ(n.attrs.get_string("padding_mode"), "zeros");
  EXPECT_EQ(n.attrs.get_int("groups"), 1);
  // Pooling's stride is optional with no default: absent means "the kernel".
  const ir::Node &p = g.nodes[g.add_node("max_pool2d", "p", {n.outputs[0]}, pool(2))];
  EXPECT_FALSE(p.attrs.has("stride"));
}

// ---------------------------------------------------------------- window geometry

// resolve_window reads normalized attributes (padding always present).
ir::Window2d window(ir::Attrs a, int64_t h, int64_t w, bool pool = false, bool ceil = false) {
  return ir::resolve_window(a, h, w, pool, ceil);
}

TEST(Window, SameStride2OddSizeSplitsPaddingEvenly) {
  // in 7, k 3, s 2: out 4, total (4-1)*2 + 3 - 7 = 2 -> 1 and 1.
  ir::Window2d wd = window(
      attrs({{"kernel", pair(3, 3)}, {"stride", pair(2, 2)}, {"padding", str("same")}}), 7, 7);
  EXPECT_EQ(wd.out_h, 4);
  EXPECT_EQ(wd.pad_top, 1);
  EXPECT_EQ(wd.pad_bottom, 1);
}

TEST(Window, SameStride2PutsTheOddPixelAtTheEnd) {
  // in 8, k 3, s 2: out 4, total 3*2 + 3 - 8 = 1 -> top 0, bottom 1 (TensorFlow).
  // in 11, k 5, s 3 (width): out 4, total 3*3 + 5 - 11 = 3 -> left 1, right 2.
  ir::Window2d wd = window(
      attrs({{"kernel", pair(3, 5)}, {"stride", pair(2, 3)}, {"padding", str("same")}}), 8, 11);
  EXPECT_EQ(wd.out_h, 4);
  EXPECT_EQ(wd.out_w, 4);
  EXPECT_EQ(wd.pad_top, 0);
  EXPECT_EQ(wd.pad_bottom, 1);
  EXPECT_EQ(wd.pad_left, 1);
  EXPECT_EQ(wd.pad_right, 2);
}

TEST(Window, SameNeverPadsNegatively) {
  // in 6, k 1, s 2: out 3, needed 2*2 + 1 - 6 < 0 -> no padding.
  ir::Window2d wd = window(
      attrs({{"kernel", pair(1, 1)}, {"stride", pair(2, 2)}, {"padding", str("same")}}), 6, 6);
  EXPECT_EQ(wd.out_h, 3);
  EXPECT_EQ(wd.pad_top + wd.pad_bottom, 0);
}

TEST(Window, SameWithDilation) {
  // in 7, k 3, d 2 (span 5), s 1: out 7, total 6 + 5 - 7 = 4 -> 2 and 2.
  ir::Window2d wd = window(
      attrs({{"kernel", pair(3, 3)}, {"dilation", pair(2, 2)}, {"padding", str("same")}}), 7, 7);
  EXPECT_EQ(wd.out_h, 7);
  EXPECT_EQ(wd.pad_top, 2);
  EXPECT_EQ(wd.pad_bottom, 2);
}

TEST(Window, StrideDefaultsToKernelOnlyForPooling) {
  ir::Attrs a = attrs({{"kernel", pair(2, 3)}, {"padding", str("valid")}});
  EXPECT_EQ(window(a, 6, 6, true).stride_h, 2);
  EXPECT_EQ(window(a, 6, 6, true).stride_w, 3);
  EXPECT_EQ(window(a, 6, 6, false).stride_h, 1);
}

TEST(Window, CeilModeDropsAWindowStartingInTheEndPadding) {
  ir::Attrs a =
      attrs({{"kernel", pair(2, 2)}, {"stride", pair(2, 2)}, {"padding", pads(1, 1, 1, 1)}});
  EXPECT_EQ(window(a, 3, 3, true, false).out_h, 2);
  EXPECT_EQ(window(a, 3, 3, true, true).out_h, 2);
  // Without padding a partial window that starts inside the input is kept.
  ir::Attrs b = attrs({{"kernel", pair(2, 2)}, {"padding", str("valid")}});
  EXPECT_EQ(window(b, 5, 5, true, false).out_h, 2);
  EXPECT_EQ(window(b, 5, 5, true, true).out_h, 3);
}

// ---------------------------------------------------------------- user errors

TEST(Errors, AddShapeMismatchNamesNodeAndBothShapes) {
  ir::Graph g;
  int xv = g.add_input("x", f32({1, 8, 8, 8}));
  int wv = g.add_param("wide.weight", f32({16, 8, 1, 1}), std::vector<float>(128, 0.0f));
  int wide = g.nodes[g.add_node("conv2d", "wide", {xv, wv}, conv(16, 1, 1))].outputs[0];
  try {
    g.add_node("add", "sum", {wide, xv}, {});
    FAIL() << "expected a UserError";
  } catch (const UserError &e) {
    EXPECT_STREQ(e.what(),
                 "node 'sum' (add): the inputs must have equal shapes or shapes that broadcast, "
                 "got 1x16x8x8 and 1x8x8x8: dimension 1 of the result would be 16 and 8 (numpy "
                 "rules: the shapes are aligned at their last dimension, and each pair of "
                 "dimensions must be equal or one of them 1)");
  }
}

TEST(Errors, ConcatMismatchNamesNodeShapesAndAxis) {
  std::string e = error_of("concat", {x({1, 2, 4, 4}), x({1, 2, 4, 5})}, {}, "cat");
  EXPECT_EQ(e,
            "node 'cat' (concat): input 1 has shape 1x2x4x5, which does not match 1x2x4x4 outside "
            "axis 1");
  e = error_of("concat", {x({1, 2}), x({1, 2, 1})}, attrs({{"axis", num(-1)}}), "cat");
  EXPECT_CONTAINS(e, "node 'cat'");
  EXPECT_CONTAINS(e, "1x2x1");
  EXPECT_CONTAINS(e, "outside axis 1");
}

TEST(Errors, WeightShapeMismatch) {
  std::string e = error_of("conv2d", {x({1, 4, 8, 8}), w({6, 4, 3, 3})},
                           conv(6, 3, 3, {{"groups", num(2)}}), "c");
  EXPECT_EQ(e, "node 'c' (conv2d): the weight must have shape 6x2x3x3, got 6x4x3x3");
  e = error_of("dense", {x({2, 10}), w({10, 5})}, attrs({{"units", num(5)}, {"use_bias", num(0)}}),
               "fc");
  EXPECT_EQ(e, "node 'fc' (dense): the weight must have shape 5x10, got 10x5");
  e = error_of("batch_norm", {x({1, 3, 2, 2}), w({3}), w({4}), w({3}), w({3})}, {}, "bn");
  EXPECT_EQ(e, "node 'bn' (batch_norm): beta must have shape 3, got 4");
}

TEST(Errors, BiasMissingOrUnexpected) {
  // use_bias defaults to true.
  std::string e = error_of("conv2d", {x({1, 1, 4, 4}), w({2, 1, 3, 3})},
                           attrs({{"filters", num(2)}, {"kernel", pair(3, 3)}}), "c");
  EXPECT_CONTAINS(e, "node 'c' (conv2d): ");
  EXPECT_CONTAINS(e, "bias");
  e = error_of("dense", {x({1, 3}), w({2, 3}), w({2})},
               attrs({{"units", num(2)}, {"use_bias", num(0)}}), "fc");
  EXPECT_CONTAINS(e, "node 'fc' (dense): ");
  EXPECT_CONTAINS(e, "bias");
  e = error_of("dense", {x({1, 3}), w({2, 3}), w({3})}, attrs({{"units", num(2)}}), "fc");
  EXPECT_CONTAINS(e, "the bias must have shape 2, got 3");
}

TEST(Errors, RankErrors) {
  EXPECT_EQ(error_of("conv2d", {x({3, 8, 8}), w({1, 3, 3, 3})}, conv(1, 3, 3), "c"),
            "node 'c' (conv2d): the input (NCHW) must have rank 4, got 3x8x8");
  EXPECT_EQ(
      error_of("dense", {x({1, 3, 2, 2}), w({2, 12})},
               attrs({{"units", num(2)}, {"use_bias", num(0)}}), "fc"),
      "node 'fc' (dense): the input must be 2-D [batch, features], got 1x3x2x2 (add a flatten "
      "layer before it)");
  EXPECT_EQ(error_of("max_pool2d", {x({4, 4})}, pool(2), "p"),
            "node 'p' (max_pool2d): the input (NCHW) must have rank 4, got 4x4");
  EXPECT_EQ(error_of("global_avg_pool", {x({1, 4, 4})}, {}, "g"),
            "node 'g' (global_avg_pool): the input (NCHW) must have rank 4, got 1x4x4");
  EXPECT_EQ(error_of("batch_norm", {x({3}), w({3}), w({3}), w({3}), w({3})}, {}, "bn"),
            "node 'bn' (batch_norm): the input needs a channel axis (rank >= 2)");
}

TEST(Errors, AxisOutOfRange) {
  EXPECT_EQ(error_of("softmax", {x({2, 3})}, attrs({{"axis", num(2)}}), "s"),
            "node 's' (softmax): softmax axis 2 is out of range for rank 2");
  EXPECT_EQ(error_of("softmax", {x({2, 3})}, attrs({{"axis", num(-3)}}), "s"),
            "node 's' (softmax): softmax axis -3 is out of range for rank 2");
  EXPECT_EQ(error_of("concat", {x({2, 3}), x({2, 3})}, attrs({{"axis", num(2)}}), "cat"),
            "node 'cat' (concat): concat axis 2 is out of range for rank 2");
  EXPECT_EQ(error_of("flatten", {x({2, 3, 4, 5})}, attrs({{"axis", num(5)}}), "f"),
            "node 'f' (flatten): axis 5 is out of range for rank 4");
  EXPECT_CONTAINS(error_of("flatten", {x({2, 3})}, attrs({{"axis", num(-1)}}), "f"),
                  "axis -1 is out of range");
}

TEST(Errors, WindowErrors) {
  EXPECT_EQ(error_of("conv2d", {x({1, 1, 2, 2}), w({1, 1, 3, 3})}, conv(1, 3, 3), "c"),
            "node 'c' (conv2d): the window 3x3 (dilation 1x1) does not fit the padded input 2x2");
  EXPECT_EQ(error_of("conv2d", {x({1, 1, 5, 5}), w({1, 1, 3, 3})},
                     conv(1, 3, 3, {{"dilation", pair(3, 3)}}), "c"),
            "node 'c' (conv2d): the window 3x3 (dilation 3x3) does not fit the padded input 5x5");
  EXPECT_EQ(error_of("conv2d", {x({1, 4, 5, 5}), w({6, 1, 3, 3})},
                     conv(6, 3, 3, {{"groups", num(3)}}), "c"),
            "node 'c' (conv2d): groups (3) must divide the input channels (4) and the filters (6)");
  EXPECT_EQ(
      error_of("conv2d", {x({1, 1, 3, 3}), w({1, 1, 1, 1})},
               conv(1, 1, 1, {{"padding", pads(3, 0, 0, 0)}, {"padding_mode", str("reflect")}}),
               "c"),
      "node 'c' (conv2d): reflect padding must be smaller than the input size");
  // Replicate has no such limit.
  EXPECT_EQ(
      error_of("conv2d", {x({1, 1, 3, 3}), w({1, 1, 1, 1})},
               conv(1, 1, 1, {{"padding", pads(3, 0, 0, 0)}, {"padding_mode", str("replicate")}}),
               "c"),
      "");
  EXPECT_EQ(error_of("conv2d", {x({1, 1, 5, 5}), w({1, 1, 3, 3})},
                     conv(1, 3, 3, {{"stride", pair(0, 1)}}), "c"),
            "node 'c' (conv2d): strides must be positive");
  EXPECT_EQ(error_of("conv2d", {x({1, 1, 5, 5}), w({1, 1, 3, 3})},
                     conv(1, 3, 3, {{"padding", pads(0, -1, 0, 0)}}), "c"),
            "node 'c' (conv2d): padding amounts must not be negative");
  EXPECT_EQ(
      error_of("max_pool2d", {x({1, 1, 5, 5})}, pool(2, {{"padding", pads(2, 0, 0, 0)}}), "p"),
      "node 'p' (max_pool2d): pooling padding must be smaller than the window");
  EXPECT_EQ(error_of("conv2d", {x({1, 1, 5, 5}), w({0, 1, 3, 3})}, conv(0, 3, 3), "c"),
            "node 'c' (conv2d): filters must be positive");
}

TEST(Errors, OtherValueChecks) {
  EXPECT_EQ(error_of("dropout", {x({2})}, attrs({{"rate", 1.0}}), "d"),
            "node 'd' (dropout): rate must be in [0, 1), got 1.000000");
  EXPECT_EQ(error_of("batch_norm", bn_ins({1, 2}), attrs({{"epsilon", -1.0}}), "bn"),
            "node 'bn' (batch_norm): epsilon must not be negative");
  EXPECT_EQ(error_of("dense", {x({1, 3}), w({1, 3})},
                     attrs({{"units", num(0)}, {"use_bias", num(0)}}), "fc"),
            "node 'fc' (dense): units must be positive");
}

TEST(Errors, UnknownAttribute) {
  ir::Attrs a = conv(1, 3, 3);
  a.set("kernal", pair(3, 3));
  EXPECT_EQ(error_of("conv2d", {x({1, 1, 4, 4}), w({1, 1, 3, 3})}, a, "c"),
            "node 'c': conv2d has no attribute 'kernal'");
}

TEST(Errors, MissingAttribute) {
  EXPECT_EQ(error_of("conv2d", {x({1, 1, 4, 4}), w({1, 1, 3, 3})},
                     attrs({{"kernel", pair(3, 3)}, {"use_bias", num(0)}}), "c"),
            "node 'c': conv2d needs attribute 'filters'");
  EXPECT_EQ(error_of("max_pool2d", {x({1, 1, 4, 4})}, {}, "p"),
            "node 'p': max_pool2d needs attribute 'kernel'");
  EXPECT_EQ(error_of("dense", {x({1, 3}), w({2, 3}), w({2})}, {}, "fc"),
            "node 'fc': dense needs attribute 'units'");
}

TEST(Errors, BadStringChoice) {
  EXPECT_EQ(error_of("conv2d", {x({1, 1, 4, 4}), w({1, 1, 3, 3})},
                     conv(1, 3, 3, {{"padding_mode", str("circular")}}), "c"),
            "node 'c': attribute 'padding_mode' is \"circular\", expected one of zeros, replicate, "
            "reflect");
}

TEST(Errors, WrongAttributeType) {
  EXPECT_EQ(error_of("conv2d", {x({1, 1, 4, 4}), w({1, 1, 3, 3})},
                     attrs({{"filters", num(1)}, {"kernel", str("3")}, {"use_bias", num(0)}}), "c"),
            "node 'c': attribute 'kernel' has the wrong type: \"3\"");
  // A pair needs exactly two numbers; padding is valid, same or four numbers.
  EXPECT_CONTAINS(error_of("conv2d", {x({1, 1, 4, 4}), w({1, 1, 3, 3})},
                           conv(1, 3, 3, {{"stride", ints{1, 1, 1}}}), "c"),
                  "attribute 'stride' has the wrong type: [1,1,1]");
  EXPECT_CONTAINS(error_of("conv2d", {x({1, 1, 4, 4}), w({1, 1, 3, 3})},
                           conv(1, 3, 3, {{"padding", str("full")}}), "c"),
                  "attribute 'padding'");
  EXPECT_CONTAINS(error_of("conv2d", {x({1, 1, 4, 4}), w({1, 1, 3, 3})},
                           conv(1, 3, 3, {{"padding", ints{1, 1}}}), "c"),
                  "attribute 'padding' has the wrong type: [1,1]");
  EXPECT_EQ(error_of("softmax", {x({2})}, attrs({{"axis", 0.5}}), "s"),
            "node 's': attribute 'axis' has the wrong type: 0.5");
  // A float attribute accepts an integer.
  EXPECT_EQ(error_of("batch_norm", bn_ins({1, 2}), attrs({{"epsilon", num(0)}}), "bn"), "");
}

TEST(Errors, UnknownOperatorListsTheKnownOnes) {
  try {
    ir::get_op("conv4d");
    FAIL() << "expected a UserError";
  } catch (const UserError &e) {
    EXPECT_CONTAINS(e.what(), "unknown operator 'conv4d' (known: ");
    for (const auto &op : ir::op_names()) EXPECT_CONTAINS(e.what(), op);
  }
  EXPECT_EQ(ir::find_op("conv4d"), nullptr);
  EXPECT_CONTAINS(error_of("conv4d", {x({1})}, {}, "c"), "unknown operator 'conv4d'");
}

TEST(Errors, InputCount) {
  EXPECT_EQ(error_of("add", {x({2})}, {}, "a"), "node 'a': add takes 2 inputs, got 1");
  EXPECT_EQ(error_of("relu", {x({2}), x({2})}, {}, "r"), "node 'r': relu takes 1 inputs, got 2");
  EXPECT_EQ(error_of("concat", {}, {}, "cat"), "node 'cat': concat takes 1 or more inputs, got 0");
}

TEST(Errors, NamesAndValues) {
  ir::Graph g;
  int xv = g.add_input("x", f32({2}));
  g.add_node("relu", "r", {xv}, {});
  try {
    g.add_node("relu", "r", {xv}, {});
    FAIL();
  } catch (const UserError &e) {
    EXPECT_STREQ(e.what(), "node 'r': the node name is used twice");
  }
  try {
    g.add_node("relu", "x", {xv}, {});  // its output value would be named x
    FAIL();
  } catch (const UserError &e) {
    EXPECT_STREQ(e.what(), "the name 'x' is used twice");
  }
  try {
    g.add_input("z", f32({1, 0}));
    FAIL();
  } catch (const UserError &e) {
    EXPECT_STREQ(e.what(), "input 'z': every dimension must be positive, got 1x0");
  }
  try {
    g.add_param("p", f32({2, 2}), {1, 2, 3});
    FAIL();
  } catch (const UserError &e) {
    EXPECT_STREQ(e.what(), "parameter 'p' has 3 values but its shape 2x2 needs 4");
  }
  EXPECT_THROW(g.add_input("", f32({1})), UserError);
  EXPECT_THROW(g.add_node("relu", "bad", {42}, {}), InternalError);
}

// ---------------------------------------------------------------- cost

TEST(Cost, ConvAndDense) {
  ir::Graph g;
  const ir::Node &c = g.nodes[build(g, "conv2d", {x({1, 2, 6, 6}), w({4, 2, 3, 3}), w({4})},
                                    conv(4, 3, 3, {{"use_bias", num(1)}}))];
  const ir::OpDef &def = ir::get_op("conv2d");
  ir::Cost cost = def.cost(c.attrs, g.input_types(c), {g.value(c.outputs[0]).type});
  // Output 1x4x4x4 = 64 elements, each 2*3*3 = 18 MACs; flops 2*MACs + a bias add each.
  EXPECT_EQ(cost.macs, 64 * 18);
  EXPECT_EQ(cost.flops, 2 * 64 * 18 + 64);
  ir::Graph h;
  const ir::Node &d = h.nodes[build(h, "dense", {x({2, 10}), w({5, 10})},
                                    attrs({{"units", num(5)}, {"use_bias", num(0)}}))];
  cost = ir::get_op("dense").cost(d.attrs, h.input_types(d), {h.value(d.outputs[0]).type});
  EXPECT_EQ(cost.macs, 2 * 5 * 10);
  EXPECT_EQ(cost.flops, 2 * 2 * 5 * 10);
}

// ---------------------------------------------------------------- verifier

// x -> conv(same) -> relu -> max_pool -> flatten -> dense -> softmax
struct Small {
  ir::Graph g;
  int weight, conv, act, pool, fc;  // value ids (weight) and node ids
};

Small small_graph() {
  Small s;
  ir::Graph &g = s.g;
  g.name = "small";
  int xv = g.add_input("x", f32({1, 2, 6, 6}));
  s.weight = g.add_param("conv.weight", f32({4, 2, 3, 3}), std::vector<float>(72, 0.5f));
  int cb = g.add_param("conv.bias", f32({4}), std::vector<float>(4, 0.0f));
  s.conv = g.add_node("conv2d", "conv", {xv, s.weight, cb},
                      conv(4, 3, 3, {{"use_bias", num(1)}, {"padding", str("same")}}));
  s.act = g.add_node("relu", "act", {g.nodes[s.conv].outputs[0]}, {});
  s.pool = g.add_node("max_pool2d", "pool", {g.nodes[s.act].outputs[0]}, pool(2));
  int flat = g.add_node("flatten", "flat", {g.nodes[s.pool].outputs[0]}, {});
  int fw = g.add_param("fc.weight", f32({3, 36}), std::vector<float>(108, 0.1f));
  s.fc = g.add_node("dense", "fc", {g.nodes[flat].outputs[0], fw},
                    attrs({{"units", num(3)}, {"use_bias", num(0)}}));
  int prob = g.add_node("softmax", "prob", {g.nodes[s.fc].outputs[0]}, {});
  g.mark_output(g.nodes[prob].outputs[0]);
  return s;
}

// Whether some violation message contains all of `parts`.
bool reported(const std::vector<std::string> &errors, std::initializer_list<std::string> parts) {
  return std::any_of(errors.begin(), errors.end(), [&](const std::string &e) {
    return std::all_of(parts.begin(), parts.end(),
                       [&](const std::string &p) { return contains(e, p); });
  });
}

std::string joined(const std::vector<std::string> &errors) {
  std::string s;
  for (const auto &e : errors) s += "\n  " + e;
  return s;
}

#define EXPECT_REPORTED(errors, ...) \
  EXPECT_TRUE(reported(errors, {__VA_ARGS__})) << "violations:" << joined(errors)

TEST(Verifier, ValidGraphHasNoViolations) {
  Small s = small_graph();
  EXPECT_EQ(ir::verify(s.g), std::vector<std::string>{});
  EXPECT_NO_THROW(ir::verify_or_throw(s.g, "test"));
}

TEST(Verifier, Invariant1IdsInRange) {
  Small s = small_graph();
  s.g.nodes[s.act].inputs[0] = 999;
  auto errors = ir::verify(s.g);
  EXPECT_REPORTED(errors, "[1] node 'act': input id 999 out of range");
  s = small_graph();
  s.g.outputs.push_back(-1);
  errors = ir::verify(s.g);
  EXPECT_EQ(errors.size(), 1u) << joined(errors);
  EXPECT_REPORTED(errors, "[1] graph output id -1 out of range");
}

TEST(Verifier, Invariant2UniqueNames) {
  Small s = small_graph();
  s.g.nodes[s.pool].name = "act";
  auto errors = ir::verify(s.g);
  EXPECT_EQ(errors.size(), 1u) << joined(errors);
  EXPECT_REPORTED(errors, "[2] node name 'act' is used twice");
  s = small_graph();
  s.g.values[s.weight].name = "x";
  errors = ir::verify(s.g);
  EXPECT_EQ(errors.size(), 1u) << joined(errors);
  EXPECT_REPORTED(errors, "[2] value name 'x' is used twice");
}

TEST(Verifier, Invariant3InputsAndParameterData) {
  Small s = small_graph();
  s.g.values[s.weight].data = std::make_shared<const std::vector<float>>(3, 0.0f);
  auto errors = ir::verify(s.g);
  EXPECT_EQ(errors.size(), 1u) << joined(errors);
  EXPECT_REPORTED(errors, "[3] parameter 'conv.weight'", "4x2x3x3");
  s = small_graph();
  s.g.values[s.weight].data = nullptr;
  EXPECT_REPORTED(ir::verify(s.g), "[3] parameter 'conv.weight'");
  s = small_graph();
  s.g.inputs.push_back(s.weight);
  errors = ir::verify(s.g);
  EXPECT_EQ(errors.size(), 1u) << joined(errors);
  EXPECT_REPORTED(errors, "[3] graph input 'conv.weight' is not an Input value");
}

TEST(Verifier, Invariant4OneProducer) {
  Small s = small_graph();
  int act_value = s.g.nodes[s.act].outputs[0];
  s.g.values[act_value].producer = s.pool;
  auto errors = ir::verify(s.g);
  EXPECT_REPORTED(errors, "[4] activation 'act' names producer 'pool', which does not list it");
  EXPECT_REPORTED(errors, "[4] node 'act': output 'act' names another producer");
  s = small_graph();
  s.g.values[act_value].producer = -1;
  EXPECT_REPORTED(ir::verify(s.g), "[4] activation 'act' has no producer");
}

TEST(Verifier, Invariant5ExecutionOrder) {
  // Swap relu and max_pool (keeping producers consistent): pool now reads
  // act before the node that defines it.
  Small s = small_graph();
  std::swap(s.g.nodes[s.act], s.g.nodes[s.pool]);
  for (size_t n = 0; n < s.g.nodes.size(); n++)
    for (int v : s.g.nodes[n].outputs) s.g.values[v].producer = static_cast<int>(n);
  auto errors = ir::verify(s.g);
  EXPECT_EQ(errors.size(), 1u) << joined(errors);
  EXPECT_REPORTED(errors, "[5] node 'pool': input 'act' is used before it is defined");
}

TEST(Verifier, Invariant6OpsAndAttributes) {
  Small s = small_graph();
  s.g.nodes[s.conv].op = "conv4d";
  auto errors = ir::verify(s.g);
  EXPECT_REPORTED(errors, "[6] node 'conv': unknown op 'conv4d'");
  s = small_graph();
  s.g.nodes[s.act].attrs.set("bogus", num(1));
  errors = ir::verify(s.g);
  EXPECT_EQ(errors.size(), 1u) << joined(errors);
  EXPECT_REPORTED(errors, "[6] node 'act'", "relu has no attribute 'bogus'");
  s = small_graph();
  s.g.nodes[s.conv].attrs.set("padding_mode", str("wrap"));
  EXPECT_REPORTED(ir::verify(s.g), "[6] node 'conv'", "'padding_mode' is \"wrap\"");
  // Attributes that break the shape rule are reported with its message.
  s = small_graph();
  s.g.nodes[s.conv].attrs.set("filters", num(5));
  EXPECT_REPORTED(ir::verify(s.g), "[6] node 'conv'",
                  "the weight must have shape 5x2x3x3, got 4x2x3x3");
}

TEST(Verifier, Invariant7OutputTypes) {
  Small s = small_graph();
  int act_value = s.g.nodes[s.act].outputs[0];
  s.g.values[act_value].type = f32({1, 4, 6, 5});
  auto errors = ir::verify(s.g);
  EXPECT_REPORTED(
      errors, "[7] node 'act': output 'act' is f32[1x4x6x5] but the shape rule gives f32[1x4x6x6]");
  s = small_graph();
  s.g.nodes[s.fc].outputs.push_back(s.g.nodes[s.fc].outputs[0]);
  EXPECT_REPORTED(ir::verify(s.g), "[7] node 'fc': op gives 1 outputs, node has 2");
}

TEST(Verifier, Invariant8Outputs) {
  Small s = small_graph();
  s.g.outputs.clear();
  auto errors = ir::verify(s.g);
  EXPECT_EQ(errors.size(), 1u) << joined(errors);
  EXPECT_REPORTED(errors, "[8] the graph has no outputs");
  s = small_graph();
  s.g.outputs.push_back(s.weight);
  errors = ir::verify(s.g);
  EXPECT_EQ(errors.size(), 1u) << joined(errors);
  EXPECT_REPORTED(errors, "[8] graph output 'conv.weight' is a parameter");
  // A graph input may also be an output.
  s = small_graph();
  s.g.outputs.push_back(s.g.inputs[0]);
  EXPECT_EQ(ir::verify(s.g), std::vector<std::string>{});
}

TEST(Verifier, ReportsEveryViolationAtOnce) {
  Small s = small_graph();
  s.g.nodes[s.pool].name = "act";
  s.g.outputs.clear();
  try {
    ir::verify_or_throw(s.g, "after test-pass");
    FAIL() << "expected an InternalError";
  } catch (const InternalError &e) {
    EXPECT_STREQ(e.what(),
                 "internal error: after test-pass: the graph is invalid:\n"
                 "  [2] node name 'act' is used twice\n"
                 "  [8] the graph has no outputs");
  }
}

// ---------------------------------------------------------------- printer

TEST(Printer, GoldenSmallGraph) {
  ir::Graph g;
  g.name = "tiny";
  int xv = g.add_input("x", f32({1, 1, 4, 4}));
  int cw = g.add_param("conv.weight", f32({2, 1, 3, 3}), std::vector<float>(18, 0.0f));
  int cb = g.add_param("conv.bias", f32({2}), {0, 0});
  int c =
      g.nodes[g.add_node(
                  "conv2d", "conv", {xv, cw, cb},
                  attrs({{"filters", num(2)}, {"kernel", pair(3, 3)}, {"padding", str("same")}}))]
          .outputs[0];
  std::vector<int> bn_in = {c};
  for (const char *p : {"gamma", "beta", "mean", "var"})
    bn_in.push_back(g.add_param(std::string("bn.") + p, f32({2}), {1, 1}));
  int bn = g.nodes[g.add_node("batch_norm", "bn", bn_in, attrs({{"epsilon", 1e-3}}))].outputs[0];
  int act = g.nodes[g.add_node("relu", "act", {bn}, {})].outputs[0];
  int pl = g.nodes[g.add_node("max_pool2d", "pool", {act},
                              attrs({{"kernel", pair(2, 2)}, {"padding", pads(0, 0, 1, 1)}}))]
               .outputs[0];
  int flat = g.nodes[g.add_node("flatten", "flat", {pl}, {})].outputs[0];
  g.mark_output(flat);
  g.mark_output(act);
  EXPECT_EQ(
      ir::print_graph(g),
      "graph tiny {\n"
      "  input x: f32[1x1x4x4]\n"
      "  param conv.weight: f32[2x1x3x3]\n"
      "  param conv.bias: f32[2]\n"
      "  param bn.gamma: f32[2]\n"
      "  param bn.beta: f32[2]\n"
      "  param bn.mean: f32[2]\n"
      "  param bn.var: f32[2]\n"
      "  conv = conv2d(x, conv.weight, conv.bias) {dilation=[1,1], filters=2, groups=1, "
      "kernel=[3,3], padding=\"same\", padding_mode=\"zeros\", stride=[1,1], use_bias=1} : "
      "f32[1x2x4x4]\n"
      "  bn = batch_norm(conv, bn.gamma, bn.beta, bn.mean, bn.var) {epsilon=0.001} : f32[1x2x4x4]\n"
      "  act = relu(bn) : f32[1x2x4x4]\n"
      "  pool = max_pool2d(act) {ceil_mode=0, kernel=[2,2], padding=[0,0,1,1]} : f32[1x2x2x2]\n"
      "  flat = flatten(pool) {axis=1} : f32[1x8]\n"
      "  output flat\n"
      "  output act\n"
      "}\n");
}

TEST(Printer, EmptyGraph) {
  ir::Graph g;
  EXPECT_EQ(ir::print_graph(g), "graph model {\n}\n");
}

}  // namespace
}  // namespace kiln
