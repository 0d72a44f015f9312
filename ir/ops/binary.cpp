// Elementwise binary ops with numpy broadcasting (add, sub, mul, div:
// ir/ops/broadcast.h); prelu, whose slope parameter broadcasts to x; and
// scale_channels, which multiplies each channel plane of x by one value per
// (sample, channel): squeeze-excitation's scale.
#include "ir/grads/grad_rules.h"
#include "ir/ops/broadcast.h"
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

namespace {

// [C, 1, ..., 1]: one slope per channel (axis 1) of x, broadcast over the
// dimensions after it.
Shape prelu_channel_shape(const Shape &x) {
  if (x.size() < 2) return {1};
  Shape s(x.size() - 1, 1);
  s[0] = x[1];
  return s;
}

OpDef broadcast_binary(const std::string &name, const std::string &doc) {
  OpDef d;
  d.name = name;
  d.doc = doc + ", with numpy broadcasting";
  d.inputs = {{"a"}, {"b"}};
  d.infer = [](const Attrs &, const std::vector<TensorType> &in) {
    return std::vector<TensorType>{{in[0].dtype, broadcast_shape(in[0].shape, in[1].shape)}};
  };
  d.cost = [](const Attrs &, const std::vector<TensorType> &, const std::vector<TensorType> &out) {
    return elementwise_cost(out);
  };
  return d;
}

}  // namespace

OpDef def_add() { return with_grad(broadcast_binary("add", "a + b"), grads::grad_add); }
OpDef def_sub() { return with_grad(broadcast_binary("sub", "a - b"), grads::grad_sub); }
OpDef def_mul() { return with_grad(broadcast_binary("mul", "a * b"), grads::grad_mul); }
OpDef def_div() { return with_grad(broadcast_binary("div", "a / b"), grads::grad_div); }

OpDef def_prelu() {
  OpDef d;
  d.name = "prelu";
  d.doc = "x if x >= 0, else slope * x; the slope broadcasts to x (ONNX PRelu)";
  d.inputs = {{"x"}, {"slope", true}};
  d.attrs = {{"shared", AttrKind::Bool, int64_t{0},
              "one slope for every channel: the layer's slope is [1] instead of [C, 1, ...]"}};
  d.infer = [](const Attrs &, const std::vector<TensorType> &in) {
    const Shape &x = in[0].shape, &slope = in[1].shape;
    bool fits = slope.size() <= x.size();
    try {
      fits = fits && broadcast_shape(x, slope) == x;
    } catch (const UserError &) {
      fits = false;
    }
    if (!fits)
      throw UserError("the slope must broadcast to x " + shape_str(x) + " (per channel: " +
                      shape_str(prelu_channel_shape(x)) + "), got " + shape_str(slope));
    return std::vector<TensorType>{in[0]};
  };
  d.params = [](const Attrs &a, const TensorType &x) {
    Shape shape = a.get_int("shared") || x.rank() < 2 ? Shape{1} : prelu_channel_shape(x.shape);
    ParamSpec slope{"slope", shape, InitKind::Constant};
    slope.value = 0.25;  // PyTorch's initial slope
    return std::vector<ParamSpec>{slope};
  };
  d.cost = [](const Attrs &, const std::vector<TensorType> &, const std::vector<TensorType> &out) {
    return elementwise_cost(out, 2);
  };
  d.grad = grads::grad_prelu;
  return d;
}

OpDef def_scale_channels() {
  OpDef d;
  d.name = "scale_channels";
  d.doc = "y[n, c, ...] = x[n, c, ...] * s[n, c]; s is [N, C] or [N, C, 1, ...]";
  d.inputs = {{"x"}, {"s"}};
  d.infer = [](const Attrs &, const std::vector<TensorType> &in) {
    const Shape &x = in[0].shape, &s = in[1].shape;
    if (x.size() < 2) throw UserError("x must have rank 2 or more, got " + shape_str(x));
    bool ok = s.size() >= 2 && s.size() <= x.size() && s[0] == x[0] && s[1] == x[1];
    for (size_t k = 2; ok && k < s.size(); k++) ok = s[k] == 1;
    if (!ok) {
      Shape with_ones(x.size(), 1);
      with_ones[0] = x[0];
      with_ones[1] = x[1];
      throw UserError("the scale must have shape " + shape_str({x[0], x[1]}) +
                      (x.size() > 2 ? " or " + shape_str(with_ones) : std::string()) +
                      " (one value per sample and channel of x " + shape_str(x) + "), got " +
                      shape_str(s));
    }
    return std::vector<TensorType>{in[0]};
  };
  d.cost = [](const Attrs &, const std::vector<TensorType> &, const std::vector<TensorType> &out) {
    return elementwise_cost(out);
  };
  d.grad = grads::grad_scale_channels;
  return d;
}

}  // namespace kiln::ir::ops
