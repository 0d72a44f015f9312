// Helpers shared by the converter families: ONNX sliding-window attributes
// (kernel_shape, strides, dilations, pads, auto_pad) resolved to kiln's 2-D
// attributes, lifting 1-D (N, C, L) tensors to 2-D (N, C, 1, L), and axes.
#pragma once

#include <cstdint>
#include <vector>

#include "frontend/onnx/import_context.h"
#include "ir/attrs.h"

namespace kiln::frontend::onnx_import {

// A window over 1 or 2 spatial dimensions, in ONNX's order.
struct OnnxWindow {
  std::vector<int64_t> kernel, strides, dilations, pads_begin, pads_end;
};

// Reads strides, dilations (when `has_dilations`), pads and auto_pad for a
// window of `kernel` over the spatial sizes `in`. SAME_UPPER/SAME_LOWER give
// output ceil(in / stride) with the odd pixel at the end / beginning.
OnnxWindow read_window(const NodeContext &c, const std::vector<int64_t> &in,
                       const std::vector<int64_t> &kernel, bool has_dilations);

// kiln's kernel, stride, dilation and padding attributes for the window, the
// 1-D case becoming a window of height 1.
void set_window_attrs(ir::Attrs &attrs, const OnnxWindow &w, bool with_dilation);

// The spatial sizes of an (N, C, ...) shape.
std::vector<int64_t> spatial_dims(const ir::Shape &shape);

// `value` of shape (N, C, L) seen as (N, C, 1, L); rank 4 passes through.
int lift_to_2d(NodeContext &c, int value, const std::string &suffix);

// `axis` (negative from the end) checked against `rank`; fails naming `what`.
int normalize_axis(const NodeContext &c, int64_t axis, int rank, const std::string &what);

// The ONNX output size of a window: floor (or ceil) of
// (in + pads - dilated kernel) / stride, plus 1.
int64_t window_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t dilation,
                           int64_t pad_total, bool ceil_mode);

}  // namespace kiln::frontend::onnx_import
