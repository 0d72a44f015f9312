// conv_transpose3d: the transposed 3-D convolution over NCDHW (ONNX's
// ConvTranspose with three spatial axes, PyTorch's ConvTranspose3d), the
// adjoint of conv3d: each input voxel scatters its kernel, scaled, into the
// output (ir/ops/transposed_window3d.h has the geometry).
// weight: [in_channels, filters / groups, kd, kh, kw]; bias: [filters].
#include "ir/ops/op_helpers.h"
#include "ir/ops/transposed_window3d.h"

namespace kiln::ir::ops {

OpDef def_conv_transpose3d() {
  using Ints = std::vector<int64_t>;
  OpDef d;
  d.name = "conv_transpose3d";
  d.doc = "3-D transposed convolution (upsampling), NCDHW";
  d.inputs = {{"x"}, {"weight", true}, {"bias", true, true}};
  d.attrs = {
      {"filters", AttrKind::Int, std::nullopt, "output channels"},
      {"kernel", AttrKind::Ints, std::nullopt, "kernel depth, height and width"},
      {"stride", AttrKind::Ints, Ints{1, 1, 1}, "stride per axis (the upsampling factor)"},
      {"dilation", AttrKind::Ints, Ints{1, 1, 1}, "dilation per axis"},
      {"pads", AttrKind::Ints, Ints{0, 0, 0, 0, 0, 0},
       "cropped from the full output: begin d, h, w then end d, h, w"},
      {"output_padding", AttrKind::Ints, Ints{0, 0, 0}, "planes added at the end of d, h, w"},
      {"groups", AttrKind::Int, int64_t{1}, "channel groups"},
      {"use_bias", AttrKind::Bool, int64_t{1}, "add a bias per output channel"},
  };
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    const TensorType &x = in[0];
    expect_rank(x, 5, "the input (NCDHW)");
    const int64_t filters = a.get_int("filters"), groups = a.get_int("groups");
    expect_filters_and_groups(a, x);
    const TransposedWindow3d w =
        resolve_transposed_window3d(a, {x.shape[2], x.shape[3], x.shape[4]});
    expect_shape(in[1], {x.shape[1], filters / groups, w.kernel[0], w.kernel[1], w.kernel[2]},
                 "the weight ([in_channels, filters / groups, kd, kh, kw])");
    expect_bias_if_used(a, in);
    return std::vector<TensorType>{
        {DType::F32, {x.shape[0], filters, w.out[0], w.out[1], w.out[2]}}};
  };
  // Fans of the conv3d this op is the adjoint of, per group (as conv_transpose2d).
  d.params = [](const Attrs &a, const TensorType &x) {
    const int64_t f = a.get_int("filters"), g = a.get_int("groups");
    const auto &k = a.get_ints("kernel");
    const int64_t cin = x.rank() == 5 ? x.shape[1] : 0, fg = g > 0 ? f / g : 0,
                  cg = g > 0 ? cin / g : 0;
    const int64_t volume = k.size() == 3 ? k[0] * k[1] * k[2] : 0;
    std::vector<ParamSpec> p = {
        {"weight",
         {cin, fg, k.size() == 3 ? k[0] : 0, k.size() == 3 ? k[1] : 0, k.size() == 3 ? k[2] : 0},
         InitKind::Weight,
         fg * volume,
         cg * volume}};
    if (a.get_int("use_bias")) p.push_back({"bias", {f}, InitKind::Zeros});
    return p;
  };
  // Every input voxel meets every tap of its group's filters once.
  d.cost = [](const Attrs &a, const std::vector<TensorType> &in,
              const std::vector<TensorType> &out) {
    const Shape &w = in[1].shape;
    Cost c;
    c.macs = in[0].numel() * w[1] * w[2] * w[3] * w[4];
    c.flops = 2 * c.macs + (a.get_int("use_bias") ? out[0].numel() : 0);
    return c;
  };
  return d;
}

}  // namespace kiln::ir::ops
