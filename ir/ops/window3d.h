// Geometry of 3-D sliding windows (conv3d, max_pool3d, avg_pool3d over
// NCDHW), resolved once from the attributes and the input size, and shared by
// the shape rule, the reference interpreter and the Halide lowering. Axis 0
// is depth, 1 height, 2 width.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "ir/attrs.h"
#include "ir/types.h"

namespace kiln::ir {

struct Window3d {
  std::array<int64_t, 3> kernel, stride, dilation, pad_begin, pad_end, in, out;
};

// Three ints of attribute `name` (depth, height, width), or `fallback` on
// every axis when absent. Throws UserError on another count.
std::array<int64_t, 3> window3d_ints(const Attrs &attrs, const std::string &name, int64_t fallback);

// The attributes of a 3-D window, read and checked (positive kernel, stride
// and dilation, no negative pads); `in` and `out` left zero. See below for
// the attributes.
Window3d read_window3d_attrs(const Attrs &attrs, bool stride_defaults_to_kernel);

// Reads `kernel` (3 ints), `stride` (default: 1, or the kernel when
// `stride_defaults_to_kernel`), `dilation` (if present, else 1) and `pads`
// (6 ints, ONNX's order: the begin pads of depth, height, width, then the end
// pads; absent: none). `ceil_mode` rounds the output size up as PyTorch's
// pooling does (the last window starts inside the input or the begin
// padding). `in` is the input's (D, H, W). Throws UserError when a window
// does not fit.
Window3d resolve_window3d(const Attrs &attrs, const Shape &in, bool stride_defaults_to_kernel,
                          bool ceil_mode);

// Whether some window reads outside the input (padding, or a last window that
// hangs over an end): the kernel then needs a boundary condition.
bool reads_outside_input(const Window3d &w);

}  // namespace kiln::ir
