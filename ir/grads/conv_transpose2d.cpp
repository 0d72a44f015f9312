// Gradient rule of conv_transpose2d, the adjoint of conv2d, so both of its
// gradients are the forward conv's own ops with the same window (stride,
// dilation, padding, groups): its weight [in_channels, filters / groups, kh,
// kw] is a conv2d weight from `filters` to `in_channels` channels.
//   dx = conv2d(dy, weight)                       (no bias)
//   dw = conv2d_backward_weight(dy = x, x = dy)   (x plays the conv's output)
//   db = channel_sum(dy)
// The bottom and right padding lose output_padding rounded down to a
// multiple of the stride, which the conv would otherwise turn into extra rows.
#include "ir/errors.h"
#include "ir/grads/grad_rules.h"
#include "ir/ops/transposed_window.h"

namespace kiln::ir::grads {

void grad_conv_transpose2d(GradContext &c) {
  expect_unfused(c);
  const int x = c.input(0), w = c.input(1), dy = c.dy();
  const Shape xs = c.shape(x);
  const TransposedWindow2d win = resolve_transposed_window(c.attrs(), xs[2], xs[3]);
  const int64_t bottom = win.pad_bottom - win.output_pad_h / win.stride_h * win.stride_h;
  const int64_t right = win.pad_right - win.output_pad_w / win.stride_w * win.stride_w;
  if (bottom < 0 || right < 0)
    throw UserError("node '" + c.node().name +
                    "': conv_transpose2d with output_padding of a stride or more beyond the "
                    "padding has no gradient rule");
  Attrs window;
  window.set("kernel", std::vector<int64_t>{win.kernel_h, win.kernel_w});
  window.set("stride", std::vector<int64_t>{win.stride_h, win.stride_w});
  window.set("dilation", std::vector<int64_t>{win.dilation_h, win.dilation_w});
  window.set("padding", std::vector<int64_t>{win.pad_top, win.pad_left, bottom, right});
  window.set("groups", c.attrs().get_int("groups"));
  if (c.needs(0)) {
    Attrs conv = window;
    conv.set("filters", xs[1]);
    conv.set("use_bias", int64_t{0});
    c.set_dx(0, c.emit("conv2d", "grad_x", {dy, w}, conv));
  }
  if (c.needs(1)) c.set_dx(1, c.emit("conv2d_backward_weight", "grad_weight", {x, dy}, window));
  if (c.attrs().get_int("use_bias") && c.needs(2))
    c.set_dx(2, c.emit("channel_sum", "grad_bias", {dy}));
}

}  // namespace kiln::ir::grads
