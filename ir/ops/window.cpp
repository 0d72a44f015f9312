#include "ir/ops/window.h"

#include <algorithm>
#include <string>

#include "ir/errors.h"

namespace kiln::ir {

namespace {

void same_padding(int64_t in, int64_t k, int64_t s, int64_t d, int64_t *begin, int64_t *end) {
  int64_t out = (in + s - 1) / s;
  int64_t total = std::max<int64_t>((out - 1) * s + (k - 1) * d + 1 - in, 0);
  *begin = total / 2;
  *end = total - *begin;
}

int64_t out_size(int64_t in, int64_t pb, int64_t pe, int64_t k, int64_t s, int64_t d, bool ceil) {
  int64_t span = in + pb + pe - ((k - 1) * d + 1);
  if (span < 0) return 0;
  int64_t out = (ceil ? (span + s - 1) / s : span / s) + 1;
  // PyTorch: the last window must start inside the input or the begin padding.
  if (ceil && (out - 1) * s >= in + pb) out--;
  return out;
}

}  // namespace

Window2d resolve_window(const Attrs &attrs, int64_t in_h, int64_t in_w,
                        bool stride_defaults_to_kernel, bool ceil_mode) {
  Window2d w{};
  const auto &k = attrs.get_ints("kernel");
  w.kernel_h = k[0];
  w.kernel_w = k[1];
  if (attrs.has("stride")) {
    const auto &s = attrs.get_ints("stride");
    w.stride_h = s[0];
    w.stride_w = s[1];
  } else {
    w.stride_h = stride_defaults_to_kernel ? w.kernel_h : 1;
    w.stride_w = stride_defaults_to_kernel ? w.kernel_w : 1;
  }
  if (attrs.has("dilation")) {
    const auto &d = attrs.get_ints("dilation");
    w.dilation_h = d[0];
    w.dilation_w = d[1];
  }
  if (w.kernel_h <= 0 || w.kernel_w <= 0) throw UserError("kernel sizes must be positive");
  if (w.stride_h <= 0 || w.stride_w <= 0) throw UserError("strides must be positive");
  if (w.dilation_h <= 0 || w.dilation_w <= 0) throw UserError("dilations must be positive");
  w.in_h = in_h;
  w.in_w = in_w;

  if (attrs.is_string("padding")) {
    if (attrs.get_string("padding") == "same") {
      same_padding(in_h, w.kernel_h, w.stride_h, w.dilation_h, &w.pad_top, &w.pad_bottom);
      same_padding(in_w, w.kernel_w, w.stride_w, w.dilation_w, &w.pad_left, &w.pad_right);
    } else {
      w.pad_top = w.pad_left = w.pad_bottom = w.pad_right = 0;
    }
  } else {
    const auto &p = attrs.get_ints("padding");
    w.pad_top = p[0];
    w.pad_left = p[1];
    w.pad_bottom = p[2];
    w.pad_right = p[3];
    if (w.pad_top < 0 || w.pad_left < 0 || w.pad_bottom < 0 || w.pad_right < 0)
      throw UserError("padding amounts must not be negative");
  }
  w.out_h = out_size(in_h, w.pad_top, w.pad_bottom, w.kernel_h, w.stride_h, w.dilation_h,
                     ceil_mode);
  w.out_w = out_size(in_w, w.pad_left, w.pad_right, w.kernel_w, w.stride_w, w.dilation_w,
                     ceil_mode);
  if (w.out_h <= 0 || w.out_w <= 0)
    throw UserError("the window " + std::to_string(w.kernel_h) + "x" +
                    std::to_string(w.kernel_w) + " (dilation " + std::to_string(w.dilation_h) +
                    "x" + std::to_string(w.dilation_w) + ") does not fit the padded input " +
                    std::to_string(in_h + w.pad_top + w.pad_bottom) + "x" +
                    std::to_string(in_w + w.pad_left + w.pad_right));
  return w;
}

bool reads_outside_input(const Window2d &w) {
  int64_t last_y = (w.out_h - 1) * w.stride_h + (w.kernel_h - 1) * w.dilation_h - w.pad_top;
  int64_t last_x = (w.out_w - 1) * w.stride_w + (w.kernel_w - 1) * w.dilation_w - w.pad_left;
  return w.pad_top > 0 || w.pad_left > 0 || last_y >= w.in_h || last_x >= w.in_w;
}

}  // namespace kiln::ir
