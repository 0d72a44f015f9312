// Geometry of a 2-D transposed convolution, resolved once from the
// attributes and the input size, and shared by conv_transpose2d's shape rule,
// its reference kernel and its Halide lowering.
//
// Input pixel (iy, ix) scatters through tap (ky, kx) to output pixel
//   oy = iy * stride_h + ky * dilation_h - pad_top   (and the same for x),
// outputs outside [0, out_h) x [0, out_w) being dropped: `padding` crops the
// full result, `output_padding` adds rows and columns at its end (PyTorch's
// ConvTranspose2d, ONNX's ConvTranspose with explicit pads).
#pragma once

#include <cstdint>
#include <string>

#include "ir/attrs.h"

namespace kiln::ir {

struct TransposedWindow2d {
  int64_t kernel_h, kernel_w;
  int64_t stride_h, stride_w;
  int64_t dilation_h, dilation_w;
  int64_t pad_top, pad_left, pad_bottom, pad_right;
  int64_t output_pad_h, output_pad_w;
  int64_t in_h, in_w;
  // (in - 1) * stride - pad_begin - pad_end + dilation * (kernel - 1) + output_padding + 1
  int64_t out_h, out_w;
};

// Reads `kernel`, `stride`, `dilation`, `padding` ("valid" or explicit
// [top, left, bottom, right]; "same" is refused) and `output_padding`
// ([h, w] or [both]). Throws UserError naming the sizes when an attribute is
// out of range or the output would be empty.
TransposedWindow2d resolve_transposed_window(const Attrs &attrs, int64_t in_h, int64_t in_w);

// The taps of one output phase along one axis: the kernel indices k with
// (u - k * dilation) divisible by stride, u being the output coordinate plus
// pad_begin and `phase` = u mod stride. They form k = first + j * step for
// j in [0, count); the input index is then u div stride + offset - j * input_step.
struct PhaseTaps {
  int64_t first = 0, step = 1, count = 0;
  int64_t offset = 0, input_step = 0;
};
PhaseTaps phase_taps(int64_t phase, int64_t kernel, int64_t stride, int64_t dilation);

}  // namespace kiln::ir
