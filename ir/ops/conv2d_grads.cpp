// Backward ops of conv2d, with the forward conv's window attributes:
//   conv2d_backward_data(dy, weight) -> dx [N, C, H, W] (H, W: `input_size`)
//   conv2d_backward_weight(dy, x)    -> dweight [F, C / groups, kh, kw]
//   channel_sum(x)                   -> [C]: the sum over every axis but 1
//                                       (the bias gradient of conv2d and dense)
#include <algorithm>

#include "ir/ops/op_helpers.h"
#include "ir/ops/window.h"

namespace kiln::ir::ops {

namespace {

// The forward conv's geometry (ir/ops/conv2d.cpp, same defaults).
std::vector<AttrSpec> conv_window_attrs() {
  return {
      {"kernel", AttrKind::Pair, std::nullopt, "kernel height and width"},
      {"stride", AttrKind::Pair, std::vector<int64_t>{1, 1}, "stride"},
      {"dilation", AttrKind::Pair, std::vector<int64_t>{1, 1}, "dilation"},
      {"padding", AttrKind::Padding, std::string("valid"), "valid, same or [t,l,b,r]"},
      {"padding_mode",
       AttrKind::String,
       std::string("zeros"),
       "what the padding holds",
       {"zeros", "replicate", "reflect"}},
      {"groups", AttrKind::Int, int64_t{1}, "channel groups"},
  };
}

// Checks that dy is what the forward conv over an HxW input gives.
void check_dy(const Attrs &a, const TensorType &dy, int64_t h, int64_t w) {
  expect_rank(dy, 4, "dy (NCHW)");
  Window2d win = resolve_window(a, h, w, false, false);
  if (dy.shape[2] != win.out_h || dy.shape[3] != win.out_w)
    throw UserError("dy is " + shape_str(dy.shape) + " but the conv over a " + std::to_string(h) +
                    "x" + std::to_string(w) + " input gives " + std::to_string(win.out_h) + "x" +
                    std::to_string(win.out_w));
}

Cost conv_grad_cost(const std::vector<TensorType> &in, const Shape &weight) {
  // As many MACs as the forward conv: each dy element meets a weight slice.
  Cost c;
  c.macs = in[0].numel() * weight[1] * weight[2] * weight[3];
  c.flops = 2 * c.macs;
  return c;
}

}  // namespace

OpDef def_conv2d_backward_data() {
  OpDef d;
  d.name = "conv2d_backward_data";
  d.internal = true;
  d.doc = "the gradient of conv2d with respect to its input";
  d.inputs = {{"dy"}, {"weight"}};
  d.attrs = conv_window_attrs();
  d.attrs.push_back({"input_size", AttrKind::Pair, std::nullopt, "the forward input's H and W"});
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    const auto &size = a.get_ints("input_size");
    const auto &k = a.get_ints("kernel");
    int64_t groups = a.get_int("groups");
    expect_rank(in[1], 4, "the weight");
    if (groups <= 0 || in[1].shape[0] % groups)
      throw UserError("groups must divide the filters " + std::to_string(in[1].shape[0]));
    expect_shape(in[1], {in[0].shape.size() == 4 ? in[0].shape[1] : 0, in[1].shape[1], k[0], k[1]},
                 "the weight");
    check_dy(a, in[0], size[0], size[1]);
    return std::vector<TensorType>{
        {DType::F32, {in[0].shape[0], in[1].shape[1] * groups, size[0], size[1]}}};
  };
  d.cost = [](const Attrs &, const std::vector<TensorType> &in, const std::vector<TensorType> &) {
    return conv_grad_cost(in, in[1].shape);
  };
  return d;
}

OpDef def_conv2d_backward_weight() {
  OpDef d;
  d.name = "conv2d_backward_weight";
  d.internal = true;
  d.doc = "the gradient of conv2d with respect to its weight";
  d.inputs = {{"dy"}, {"x"}};
  d.attrs = conv_window_attrs();
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    const TensorType &dy = in[0], &x = in[1];
    expect_rank(x, 4, "x (NCHW)");
    check_dy(a, dy, x.shape[2], x.shape[3]);
    int64_t groups = a.get_int("groups"), f = dy.shape[1];
    if (groups <= 0 || x.shape[1] % groups || f % groups)
      throw UserError("groups (" + std::to_string(groups) + ") must divide the channels (" +
                      std::to_string(x.shape[1]) + ") and the filters (" + std::to_string(f) + ")");
    if (dy.shape[0] != x.shape[0]) throw UserError("dy and x must have the same batch size");
    const auto &k = a.get_ints("kernel");
    return std::vector<TensorType>{{DType::F32, {f, x.shape[1] / groups, k[0], k[1]}}};
  };
  d.cost = [](const Attrs &, const std::vector<TensorType> &in,
              const std::vector<TensorType> &out) { return conv_grad_cost(in, out[0].shape); };
  return d;
}

OpDef def_channel_sum() {
  OpDef d;
  d.name = "channel_sum";
  d.internal = true;
  d.doc = "sum over every axis but axis 1: [N, C, ...] -> [C]";
  d.inputs = {{"x"}};
  d.infer = [](const Attrs &, const std::vector<TensorType> &in) {
    if (in[0].rank() < 2) throw UserError("the input needs a channel axis (rank >= 2)");
    return std::vector<TensorType>{{DType::F32, {in[0].shape[1]}}};
  };
  d.cost = [](const Attrs &, const std::vector<TensorType> &in, const std::vector<TensorType> &) {
    return elementwise_cost(in);
  };
  return d;
}

}  // namespace kiln::ir::ops

namespace kiln::ir::ops {

// The input gradient of a conv with zero padding is itself a convolution
// (ir/grads/conv2d.cpp): of dy with zeros inserted between its elements
// (the stride) and padded, by the weight flipped in space with its filters
// and channels swapped within each group.
OpDef def_dilate_pad() {
  OpDef d;
  d.name = "dilate_pad";
  d.internal = true;
  d.doc = "NCHW: stride - 1 zeros between elements, then zero padding [t, l, b, r]";
  d.inputs = {{"x"}};
  d.attrs = {
      {"stride", AttrKind::Pair, std::vector<int64_t>{1, 1}, "one element every stride"},
      {"padding", AttrKind::Ints, std::vector<int64_t>{0, 0, 0, 0}, "[top, left, bottom, right]"}};
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    expect_rank(in[0], 4, "the input (NCHW)");
    const auto &s = a.get_ints("stride"), &p = a.get_ints("padding");
    if (s[0] <= 0 || s[1] <= 0) throw UserError("strides must be positive");
    if (p.size() != 4 || *std::min_element(p.begin(), p.end()) < 0)
      throw UserError("padding must be four amounts >= 0 [top, left, bottom, right]");
    const Shape &x = in[0].shape;
    return std::vector<TensorType>{
        {DType::F32,
         {x[0], x[1], (x[2] - 1) * s[0] + 1 + p[0] + p[2], (x[3] - 1) * s[1] + 1 + p[1] + p[3]}}};
  };
  d.cost = [](const Attrs &, const std::vector<TensorType> &, const std::vector<TensorType> &) {
    return Cost{};
  };
  return d;
}

OpDef def_flip_conv_weight() {
  OpDef d;
  d.name = "flip_conv_weight";
  d.internal = true;
  d.doc =
      "[F, C/g, kh, kw] -> [C, F/g, kh, kw]: flipped in space, filters and channels swapped per "
      "group";
  d.inputs = {{"weight"}};
  d.attrs = {{"groups", AttrKind::Int, int64_t{1}, "channel groups"}};
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    expect_rank(in[0], 4, "the weight");
    const Shape &w = in[0].shape;
    const int64_t groups = a.get_int("groups");
    if (groups <= 0 || w[0] % groups)
      throw UserError("groups must divide the filters " + std::to_string(w[0]));
    return std::vector<TensorType>{{DType::F32, {w[1] * groups, w[0] / groups, w[2], w[3]}}};
  };
  d.cost = [](const Attrs &, const std::vector<TensorType> &, const std::vector<TensorType> &) {
    return Cost{};
  };
  return d;
}

}  // namespace kiln::ir::ops
