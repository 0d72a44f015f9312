#include "ir/ops/transposed_window.h"

#include <numeric>

#include "ir/errors.h"

namespace kiln::ir {

namespace {

std::string pair_str(int64_t h, int64_t w) {
  return "(" + std::to_string(h) + ", " + std::to_string(w) + ")";
}

int64_t out_size(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pb, int64_t pe, int64_t op) {
  return (in - 1) * s - pb - pe + d * (k - 1) + op + 1;
}

}  // namespace

TransposedWindow2d resolve_transposed_window(const Attrs &a, int64_t in_h, int64_t in_w) {
  TransposedWindow2d w{};
  const auto &k = a.get_ints("kernel"), &s = a.get_ints("stride"), &d = a.get_ints("dilation");
  w.kernel_h = k[0], w.kernel_w = k[1];
  w.stride_h = s[0], w.stride_w = s[1];
  w.dilation_h = d[0], w.dilation_w = d[1];
  w.in_h = in_h, w.in_w = in_w;
  if (w.kernel_h <= 0 || w.kernel_w <= 0) throw UserError("kernel sizes must be positive");
  if (w.stride_h <= 0 || w.stride_w <= 0) throw UserError("strides must be positive");
  if (w.dilation_h <= 0 || w.dilation_w <= 0) throw UserError("dilations must be positive");
  if (a.is_string("padding")) {
    if (a.get_string("padding") != "valid")
      throw UserError(
          "padding \"" + a.get_string("padding") +
          "\" is not supported by conv_transpose2d: give \"valid\" or the amounts cropped from "
          "the full output, [top, left, bottom, right]");
  } else {
    const auto &p = a.get_ints("padding");
    w.pad_top = p[0], w.pad_left = p[1], w.pad_bottom = p[2], w.pad_right = p[3];
    if (w.pad_top < 0 || w.pad_left < 0 || w.pad_bottom < 0 || w.pad_right < 0)
      throw UserError("padding amounts must not be negative");
  }
  const auto &op = a.get_ints("output_padding");
  if (op.size() != 1 && op.size() != 2)
    throw UserError("output_padding must be [height, width] or [both], got " +
                    std::to_string(op.size()) + " values");
  w.output_pad_h = op[0];
  w.output_pad_w = op.back();
  if (w.output_pad_h < 0 || w.output_pad_w < 0)
    throw UserError("output_padding must not be negative");
  // PyTorch's rule: an output padding row must be one a stride or dilation step skipped.
  if ((w.output_pad_h >= w.stride_h && w.output_pad_h >= w.dilation_h) ||
      (w.output_pad_w >= w.stride_w && w.output_pad_w >= w.dilation_w))
    throw UserError("output_padding " + pair_str(w.output_pad_h, w.output_pad_w) +
                    " must be smaller than the stride " + pair_str(w.stride_h, w.stride_w) +
                    " or the dilation " + pair_str(w.dilation_h, w.dilation_w));
  w.out_h =
      out_size(in_h, w.kernel_h, w.stride_h, w.dilation_h, w.pad_top, w.pad_bottom, w.output_pad_h);
  w.out_w =
      out_size(in_w, w.kernel_w, w.stride_w, w.dilation_w, w.pad_left, w.pad_right, w.output_pad_w);
  if (w.out_h <= 0 || w.out_w <= 0)
    throw UserError("the output would be " + std::to_string(w.out_h) + "x" +
                    std::to_string(w.out_w) + ": the padding crops more than the full " +
                    std::to_string(w.out_h + w.pad_top + w.pad_bottom) + "x" +
                    std::to_string(w.out_w + w.pad_left + w.pad_right) + " output of the " +
                    std::to_string(in_h) + "x" + std::to_string(in_w) + " input");
  return w;
}

PhaseTaps phase_taps(int64_t phase, int64_t kernel, int64_t stride, int64_t dilation) {
  PhaseTaps t;
  const int64_t g = std::gcd(stride, dilation);
  t.step = stride / g;
  t.input_step = dilation / g;
  // The smallest k >= 0 with k * dilation = phase (mod stride): none unless g divides phase.
  if (phase % g != 0) return t;
  t.first = -1;
  for (int64_t k = 0; k < t.step; k++)
    if ((k * dilation - phase) % stride == 0) {
      t.first = k;
      break;
    }
  if (t.first < 0 || t.first >= kernel) {
    t.first = 0;
    return t;
  }
  t.count = (kernel - t.first + t.step - 1) / t.step;
  t.offset = (phase - t.first * dilation) / stride;  // exact: the numerator is a multiple
  return t;
}

}  // namespace kiln::ir
