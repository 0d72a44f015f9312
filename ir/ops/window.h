// Geometry of 2-D sliding windows (convolution and pooling), resolved once
// from the attributes and the input size, and shared by the shape rule, the
// reference interpreter and the Halide lowering.
#pragma once

#include <cstdint>

#include "ir/attrs.h"

namespace kiln::ir {

struct Window2d {
  int64_t kernel_h, kernel_w;
  int64_t stride_h, stride_w;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t pad_top, pad_left, pad_bottom, pad_right;
  int64_t in_h, in_w;
  int64_t out_h, out_w;
};

// Reads `kernel`, `stride` (default: 1, or the kernel when
// `stride_defaults_to_kernel`), `dilation` (if present) and `padding`
// ("valid", "same" as in TensorFlow: output = ceil(in / stride), the odd
// padding pixel at the end; or explicit [top, left, bottom, right]).
// `ceil_mode` rounds the output size up as PyTorch's pooling does. Throws
// UserError when the window does not fit.
Window2d resolve_window(const Attrs &attrs, int64_t in_h, int64_t in_w,
                        bool stride_defaults_to_kernel, bool ceil_mode);

// Whether some window reads outside the input (padding, or a last window that
// hangs over the bottom/right edge): the kernel then needs a boundary condition.
bool reads_outside_input(const Window2d &w);

}  // namespace kiln::ir
