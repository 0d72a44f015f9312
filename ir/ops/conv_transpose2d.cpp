// conv_transpose2d: the transposed (fractionally strided) 2-D convolution
// over NCHW, the adjoint of conv2d: each input pixel scatters its kernel,
// scaled, into the output (ir/ops/transposed_window.h has the geometry).
// weight: [in_channels, filters / groups, kh, kw] (PyTorch's and ONNX's
// layout); bias: [filters]; then the fused epilogue's residual, when there
// is one (ir/ops/epilogue.h).
#include "ir/ops/epilogue.h"
#include "ir/grads/grad_rules.h"
#include "ir/ops/op_helpers.h"
#include "ir/ops/transposed_window.h"

namespace kiln::ir::ops {

namespace {

std::string groups_error(int64_t groups, const Shape &x, int64_t filters) {
  return "groups (" + std::to_string(groups) + ") must divide the input channels (" +
         std::to_string(x[1]) + " of input " + shape_str(x) + ") and the filters (" +
         std::to_string(filters) + ")";
}

}  // namespace

OpDef def_conv_transpose2d() {
  OpDef d;
  d.name = "conv_transpose2d";
  d.doc = "2-D transposed convolution (upsampling), NCHW";
  d.takes_activation = true;
  d.inputs = {{"x"}, {"weight", true}, {"bias", true, true}, {"residual", false, true}};
  d.attrs = {
      {"filters", AttrKind::Int, std::nullopt, "output channels"},
      {"kernel", AttrKind::Pair, std::nullopt, "kernel height and width"},
      {"stride", AttrKind::Pair, std::vector<int64_t>{1, 1}, "stride (the upsampling factor)"},
      {"dilation", AttrKind::Pair, std::vector<int64_t>{1, 1}, "dilation"},
      {"padding", AttrKind::Padding, std::string("valid"),
       "rows and columns cropped from the full output: valid (none) or [t,l,b,r]"},
      {"output_padding", AttrKind::Ints, std::vector<int64_t>{0, 0},
       "rows and columns added at the bottom and right: [h, w]"},
      {"groups", AttrKind::Int, int64_t{1}, "channel groups"},
      {"use_bias", AttrKind::Bool, int64_t{1}, "add a bias per output channel"},
  };
  for (AttrSpec &spec : epilogue_attrs()) d.attrs.push_back(std::move(spec));
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    const TensorType &x = in[0];
    expect_rank(x, 4, "the input (NCHW)");
    int64_t filters = a.get_int("filters"), groups = a.get_int("groups");
    if (filters <= 0) throw UserError("filters must be positive");
    if (groups <= 0 || x.shape[1] % groups || filters % groups)
      throw UserError(groups_error(groups, x.shape, filters));
    TransposedWindow2d w = resolve_transposed_window(a, x.shape[2], x.shape[3]);
    Shape want = {x.shape[1], filters / groups, w.kernel_h, w.kernel_w};
    if (in[1].shape != want)
      throw UserError("the weight must have shape " + shape_str(want) +
                      " ([in_channels, filters / groups, kh, kw]) for the input " +
                      shape_str(x.shape) + ", got " + shape_str(in[1].shape));
    TensorType out{DType::F32, {x.shape[0], filters, w.out_h, w.out_w}};
    check_bias_and_residual(a, in, {filters}, out);
    return std::vector<TensorType>{out};
  };
  // Fans of the conv2d this op is the adjoint of (filters -> in_channels),
  // as kiln counts conv2d's: per group. With groups = 1 they are PyTorch's
  // and Keras's fans for this weight.
  d.params = [](const Attrs &a, const TensorType &x) {
    int64_t f = a.get_int("filters"), g = a.get_int("groups");
    const auto &k = a.get_ints("kernel");
    int64_t cin = x.rank() == 4 ? x.shape[1] : 0, fg = g > 0 ? f / g : 0, cg = g > 0 ? cin / g : 0;
    std::vector<ParamSpec> p = {
        {"weight", {cin, fg, k[0], k[1]}, InitKind::Weight, fg * k[0] * k[1], cg * k[0] * k[1]}};
    if (a.get_int("use_bias")) p.push_back({"bias", {f}, InitKind::Zeros});
    return p;
  };
  // Every input pixel meets every tap of its group's filters once (taps that
  // land in the cropped padding included, as ptflops and fvcore count).
  d.cost = [](const Attrs &a, const std::vector<TensorType> &in,
              const std::vector<TensorType> &out) {
    const Shape &w = in[1].shape;
    Cost c;
    c.macs = in[0].numel() * w[1] * w[2] * w[3];
    c.flops = 2 * c.macs + (a.get_int("use_bias") ? out[0].numel() : 0) + epilogue_flops(a, out[0]);
    return c;
  };
  d.grad = grads::grad_conv_transpose2d;
  return d;
}

}  // namespace kiln::ir::ops
