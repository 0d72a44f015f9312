// max_pool2d_argmax: where max_pool2d's maximum is, for ONNX MaxPool's
// Indices output: the flat index into x (N, C, H, W) of each window's first
// maximum (taps in row-major window order, padding never wins), counted
// row-major ((n*C + c)*H*W + h*W + w) or, with column_major (ONNX's
// storage_order = 1), as (n*C + c)*H*W + w*H + h. Held as float32 (exact
// below 2^24, which the shape rule checks).
#include "ir/ops/op_helpers.h"
#include "ir/ops/window.h"

namespace kiln::ir::ops {

OpDef def_max_pool2d_argmax() {
  OpDef d;
  d.name = "max_pool2d_argmax";
  d.doc = "flat input index of each max_pool2d window's first maximum, NCHW (as float32)";
  d.inputs = {{"x"}};
  d.attrs = {
      {"kernel", AttrKind::Pair, std::nullopt, "window height and width"},
      {"stride", AttrKind::Pair, std::nullopt, "stride (default: the kernel)", {}, true},
      {"padding", AttrKind::Padding, std::string("valid"), "valid, same or [t,l,b,r]"},
      {"ceil_mode", AttrKind::Bool, int64_t{0}, "round the output size up"},
      {"dilation",
       AttrKind::Pair,
       std::nullopt,
       "spacing of the window's taps (default 1)",
       {},
       true},
      {"column_major", AttrKind::Bool, int64_t{0}, "count w*H + h (ONNX storage_order 1)"},
  };
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    expect_rank(in[0], 4, "the input (NCHW)");
    if (in[0].numel() > (int64_t{1} << 24))
      throw UserError("indices beyond 2^24 are not exact in float32 (the input has " +
                      std::to_string(in[0].numel()) + " elements)");
    Window2d w = resolve_window(a, in[0].shape[2], in[0].shape[3], true, a.get_int("ceil_mode"));
    if (w.pad_top >= w.kernel_h || w.pad_bottom >= w.kernel_h || w.pad_left >= w.kernel_w ||
        w.pad_right >= w.kernel_w)
      throw UserError("pooling padding must be smaller than the window");
    return std::vector<TensorType>{
        {DType::F32, {in[0].shape[0], in[0].shape[1], w.out_h, w.out_w}}};
  };
  d.cost = [](const Attrs &a, const std::vector<TensorType> &, const std::vector<TensorType> &out) {
    const auto &k = a.get_ints("kernel");
    return elementwise_cost(out, 2 * k[0] * k[1]);
  };
  return d;
}

}  // namespace kiln::ir::ops
