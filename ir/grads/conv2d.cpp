// Gradient rule of conv2d: for the input, a conv2d of dy with the flipped
// weight (zero padding within the kernel's reach) or else
// conv2d_backward_data; conv2d_backward_weight for the weight; channel_sum
// for the bias. The backward ops take the forward's window attributes.
#include "ir/errors.h"
#include "ir/grads/grad_rules.h"
#include "ir/ops/epilogue.h"
#include "ir/ops/window.h"
#include "ir/ops/winograd.h"

namespace kiln::ir::grads {

void expect_unfused(const GradContext &c) {
  if (!ops::epilogue_of(c.attrs()).empty())
    throw UserError("node '" + c.node().name + "' (" + c.node().op +
                    ") has a fused epilogue, which has no gradient rule: differentiate the graph "
                    "before fuse-epilogue runs");
}

namespace {

// The data gradient as an ordinary conv2d, when the padding holds zeros and
// lies within the kernel's reach: a valid convolution of dy, with stride - 1
// zeros between its elements and padded by (k - 1) d - pad, with the
// flipped weight (ir/ops/conv2d_grads.cpp), so it runs on the forward conv's
// kernels. Returns -1 when it does not apply.
int data_gradient_as_conv(GradContext &c, const Attrs &window) {
  const int dy = c.dy(), x = c.input(0), w = c.input(1);
  const Shape &xs = c.shape(x);
  if (c.attrs().get_string("padding_mode") != "zeros") return -1;
  const Window2d win = resolve_window(c.attrs(), xs[2], xs[3], false, false);
  const int64_t reach_h = (win.kernel_h - 1) * win.dilation_h,
                reach_w = (win.kernel_w - 1) * win.dilation_w;
  // Input rows and columns beyond the last window (fewer than a stride).
  const int64_t rest_h =
      xs[2] + win.pad_top + win.pad_bottom - ((win.out_h - 1) * win.stride_h + reach_h + 1);
  const int64_t rest_w =
      xs[3] + win.pad_left + win.pad_right - ((win.out_w - 1) * win.stride_w + reach_w + 1);
  const std::vector<int64_t> pad = {reach_h - win.pad_top, reach_w - win.pad_left,
                                    reach_h - win.pad_bottom + rest_h,
                                    reach_w - win.pad_right + rest_w};
  for (int64_t p : pad)
    if (p < 0) return -1;
  const int64_t groups = c.attrs().get_int("groups");
  Attrs flip;
  flip.set("groups", groups);
  const int wt = c.emit("flip_conv_weight", "weight_flipped", {w}, flip);
  Attrs conv;
  conv.set("filters", xs[1]);
  conv.set("kernel", window.get("kernel"));
  conv.set("dilation", window.get("dilation"));
  conv.set("groups", groups);
  conv.set("use_bias", int64_t{0});
  int source = dy;
  if (win.stride_h > 1 || win.stride_w > 1) {
    Attrs dilate;
    dilate.set("stride", window.get("stride"));
    dilate.set("padding", pad);
    source = c.emit("dilate_pad", "dy_dilated", {dy}, dilate);
  } else {
    conv.set("padding", pad);
  }
  return c.emit("conv2d", "grad_x", {source, wt}, conv);
}

}  // namespace

void grad_conv2d(GradContext &c) {
  expect_unfused(c);
  if (ops::weights_pretransformed(c.attrs()))
    throw UserError("conv2d '" + c.node().name +
                    "' reads a Winograd-transformed weight (pretransform-winograd, an inference "
                    "pass), which has no gradient rule: differentiate the graph before it runs");
  const int dy = c.dy(), x = c.input(0), w = c.input(1);
  Attrs window;
  for (const char *name : {"kernel", "stride", "dilation", "padding", "padding_mode", "groups"})
    window.set(name, c.attrs().get(name));
  if (c.needs(0)) {
    int dx = data_gradient_as_conv(c, window);
    if (dx < 0) {
      // Replicate or reflect padding, or padding beyond the kernel's reach.
      Attrs a = window;
      a.set("input_size", std::vector<int64_t>{c.shape(x)[2], c.shape(x)[3]});
      dx = c.emit("conv2d_backward_data", "grad_x", {dy, w}, a);
    }
    c.set_dx(0, dx);
  }
  if (c.needs(1)) c.set_dx(1, c.emit("conv2d_backward_weight", "grad_weight", {dy, x}, window));
  if (c.attrs().get_int("use_bias") && c.needs(2))
    c.set_dx(2, c.emit("channel_sum", "grad_bias", {dy}));
}

}  // namespace kiln::ir::grads
