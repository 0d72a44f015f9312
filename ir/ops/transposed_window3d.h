// Geometry of a 3-D transposed convolution (conv_transpose3d over NCDHW),
// resolved once from the attributes and the input size, and shared by the
// shape rule, the reference interpreter and the Halide lowering. Axis 0 is
// depth, 1 height, 2 width.
//
// Input voxel i scatters through tap k to output o = i * stride +
// k * dilation - pad_begin (per axis); outputs outside [0, out) are dropped:
// `pads` crop the full result, `output_padding` adds planes at its end
// (ONNX's ConvTranspose with explicit pads, PyTorch's ConvTranspose3d).
#pragma once

#include <array>
#include <cstdint>

#include "ir/attrs.h"
#include "ir/types.h"

namespace kiln::ir {

struct TransposedWindow3d {
  std::array<int64_t, 3> kernel, stride, dilation, pad_begin, pad_end, output_padding, in;
  // (in - 1) * stride + (kernel - 1) * dilation + 1 + output_padding - pads
  std::array<int64_t, 3> out;
};

// Reads `kernel` (3 ints), `stride`, `dilation`, `output_padding` (3 ints;
// absent: 1, 1, 0) and `pads` (6 ints: begin d, h, w then end d, h, w;
// absent: none). `in` is the input's (D, H, W). Throws UserError when an
// attribute is out of range or the output would be empty.
TransposedWindow3d resolve_transposed_window3d(const Attrs &attrs, const Shape &in);

}  // namespace kiln::ir
