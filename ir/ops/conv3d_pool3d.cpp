// 3-D convolution and pooling over NCDHW (ONNX Conv, MaxPool and AveragePool
// with three spatial axes): conv3d with stride, dilation, groups and zero
// padding; max_pool3d (dilated taps, padding never wins the max) and
// avg_pool3d (dividing by the window clipped to the padded input when
// count_include_pad, else to the input), with PyTorch's ceil mode. The
// geometry is ir/ops/window3d.h.
#include "ir/ops/op_helpers.h"
#include "ir/ops/window3d.h"

namespace kiln::ir::ops {

namespace {

using Ints = std::vector<int64_t>;

Shape spatial(const TensorType &x) { return {x.shape[2], x.shape[3], x.shape[4]}; }

std::vector<AttrSpec> pool3d_attrs() {
  return {
      {"kernel", AttrKind::Ints, std::nullopt, "window depth, height and width"},
      {"stride", AttrKind::Ints, std::nullopt, "stride per axis (default: the kernel)", {}, true},
      {"pads", AttrKind::Ints, Ints{0, 0, 0, 0, 0, 0}, "begin d, h, w then end d, h, w"},
      {"ceil_mode", AttrKind::Bool, int64_t{0}, "round the output size up"},
  };
}

std::vector<TensorType> infer_pool3d(const Attrs &a, const std::vector<TensorType> &in) {
  expect_rank(in[0], 5, "the input (NCDHW)");
  Window3d w = resolve_window3d(a, spatial(in[0]), true, a.get_int("ceil_mode"));
  for (int k = 0; k < 3; k++)
    if (w.pad_begin[k] >= w.kernel[k] || w.pad_end[k] >= w.kernel[k])
      throw UserError("pooling padding must be smaller than the window");
  return {{DType::F32, {in[0].shape[0], in[0].shape[1], w.out[0], w.out[1], w.out[2]}}};
}

Cost pool3d_cost(const Attrs &a, const std::vector<TensorType> &,
                 const std::vector<TensorType> &out) {
  const auto &k = a.get_ints("kernel");
  return elementwise_cost(out, k[0] * k[1] * k[2]);
}

}  // namespace

OpDef def_conv3d() {
  OpDef d;
  d.name = "conv3d";
  d.doc = "3-D convolution, NCDHW, zero padding";
  d.inputs = {{"x"}, {"weight", true}, {"bias", true, true}};
  d.attrs = {
      {"filters", AttrKind::Int, std::nullopt, "output channels"},
      {"kernel", AttrKind::Ints, std::nullopt, "kernel depth, height and width"},
      {"stride", AttrKind::Ints, Ints{1, 1, 1}, "stride per axis"},
      {"dilation", AttrKind::Ints, Ints{1, 1, 1}, "dilation per axis"},
      {"pads", AttrKind::Ints, Ints{0, 0, 0, 0, 0, 0}, "begin d, h, w then end d, h, w"},
      {"groups", AttrKind::Int, int64_t{1}, "channel groups"},
      {"use_bias", AttrKind::Bool, int64_t{1}, "add a bias per output channel"},
  };
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    const TensorType &x = in[0];
    expect_rank(x, 5, "the input (NCDHW)");
    const int64_t filters = a.get_int("filters"), groups = a.get_int("groups");
    expect_filters_and_groups(a, x);
    Window3d w = resolve_window3d(a, spatial(x), false, false);
    expect_shape(in[1], {filters, x.shape[1] / groups, w.kernel[0], w.kernel[1], w.kernel[2]},
                 "the weight");
    expect_bias_if_used(a, in);
    return std::vector<TensorType>{
        {DType::F32, {x.shape[0], filters, w.out[0], w.out[1], w.out[2]}}};
  };
  d.params = [](const Attrs &a, const TensorType &x) {
    const int64_t f = a.get_int("filters"), g = a.get_int("groups");
    const auto &k = a.get_ints("kernel");
    const int64_t cin = x.rank() == 5 && g > 0 ? x.shape[1] / g : 0;
    const int64_t volume = k.size() == 3 ? k[0] * k[1] * k[2] : 0;
    std::vector<ParamSpec> p = {
        {"weight",
         {f, cin, k.size() == 3 ? k[0] : 0, k.size() == 3 ? k[1] : 0, k.size() == 3 ? k[2] : 0},
         InitKind::Weight,
         cin * volume,
         (g > 0 ? f / g : 0) * volume}};
    if (a.get_int("use_bias")) p.push_back({"bias", {f}, InitKind::Zeros});
    return p;
  };
  d.cost = [](const Attrs &a, const std::vector<TensorType> &in,
              const std::vector<TensorType> &out) {
    const Shape &w = in[1].shape;
    Cost c;
    c.macs = out[0].numel() * w[1] * w[2] * w[3] * w[4];
    c.flops = 2 * c.macs + (a.get_int("use_bias") ? out[0].numel() : 0);
    return c;
  };
  return d;
}

OpDef def_max_pool3d() {
  OpDef d;
  d.name = "max_pool3d";
  d.doc = "3-D max pooling, NCDHW; padding never wins the max";
  d.inputs = {{"x"}};
  d.attrs = pool3d_attrs();
  d.attrs.push_back({"dilation", AttrKind::Ints, Ints{1, 1, 1}, "spacing of the window's taps"});
  d.infer = infer_pool3d;
  d.cost = pool3d_cost;
  return d;
}

OpDef def_avg_pool3d() {
  OpDef d;
  d.name = "avg_pool3d";
  d.doc = "3-D average pooling, NCDHW";
  d.inputs = {{"x"}};
  d.attrs = pool3d_attrs();
  d.attrs.push_back({"count_include_pad", AttrKind::Bool, int64_t{0},
                     "divide by the window size including padding"});
  d.infer = infer_pool3d;
  d.cost = pool3d_cost;
  return d;
}

}  // namespace kiln::ir::ops
