#include "frontend/onnx/convert_util.h"

#include <algorithm>

namespace kiln::frontend::onnx_import {

OnnxWindow read_window(const NodeContext &c, const std::vector<int64_t> &in,
                       const std::vector<int64_t> &kernel, bool has_dilations) {
  const size_t n = kernel.size();
  OnnxWindow w;
  w.kernel = kernel;
  w.strides = c.attr_ints("strides", std::vector<int64_t>(n, 1));
  w.dilations = has_dilations ? c.attr_ints("dilations", std::vector<int64_t>(n, 1))
                              : std::vector<int64_t>(n, 1);
  std::vector<int64_t> pads = c.attr_ints("pads", std::vector<int64_t>(2 * n, 0));
  if (w.strides.size() != n || w.dilations.size() != n || pads.size() != 2 * n)
    c.fail("strides, dilations and pads must have " + std::to_string(n) + ", " + std::to_string(n) +
           " and " + std::to_string(2 * n) + " entries for a " + std::to_string(n) + "-D window");
  for (size_t k = 0; k < n; k++)
    if (w.strides[k] <= 0 || w.dilations[k] <= 0 || kernel[k] <= 0 || pads[k] < 0 ||
        pads[n + k] < 0)
      c.fail("kernel, strides and dilations must be positive and pads not negative");
  w.pads_begin.assign(pads.begin(), pads.begin() + n);
  w.pads_end.assign(pads.begin() + n, pads.end());

  const std::string auto_pad = c.attr_string("auto_pad", std::string("NOTSET"));
  if (auto_pad == "VALID") {
    std::fill(w.pads_begin.begin(), w.pads_begin.end(), 0);
    std::fill(w.pads_end.begin(), w.pads_end.end(), 0);
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    for (size_t k = 0; k < n; k++) {
      const int64_t out = (in[k] + w.strides[k] - 1) / w.strides[k];
      const int64_t total = std::max<int64_t>(
          (out - 1) * w.strides[k] + (kernel[k] - 1) * w.dilations[k] + 1 - in[k], 0);
      const int64_t small = total / 2, large = total - small;
      w.pads_begin[k] = auto_pad == "SAME_UPPER" ? small : large;
      w.pads_end[k] = auto_pad == "SAME_UPPER" ? large : small;
    }
  } else if (auto_pad != "NOTSET") {
    c.fail("unknown auto_pad \"" + auto_pad + "\"");
  }
  return w;
}

void set_window_attrs(ir::Attrs &attrs, const OnnxWindow &w, bool with_dilation) {
  const bool one_d = w.kernel.size() == 1;
  auto pair = [&](const std::vector<int64_t> &v, int64_t lifted) {
    return one_d ? std::vector<int64_t>{lifted, v[0]} : v;
  };
  attrs.set("kernel", pair(w.kernel, 1));
  attrs.set("stride", pair(w.strides, 1));
  if (with_dilation) attrs.set("dilation", pair(w.dilations, 1));
  std::vector<int64_t> padding =
      one_d ? std::vector<int64_t>{0, w.pads_begin[0], 0, w.pads_end[0]}
            : std::vector<int64_t>{w.pads_begin[0], w.pads_begin[1], w.pads_end[0], w.pads_end[1]};
  attrs.set("padding", padding);
}

std::vector<int64_t> spatial_dims(const ir::Shape &shape) {
  return shape.size() > 2 ? std::vector<int64_t>(shape.begin() + 2, shape.end())
                          : std::vector<int64_t>{};
}

int lift_to_2d(NodeContext &c, int value, const std::string &suffix) {
  const ir::Shape &s = c.graph().value(value).type.shape;
  if (s.size() != 3) return value;
  return c.reshape(value, {s[0], s[1], 1, s[2]}, suffix);
}

int normalize_axis(const NodeContext &c, int64_t axis, int rank, const std::string &what) {
  const int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank)
    c.fail(what + " " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  return static_cast<int>(a);
}

int64_t window_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t dilation,
                           int64_t pad_total, bool ceil_mode) {
  const int64_t span = in + pad_total - ((kernel - 1) * dilation + 1);
  if (span < 0) return 0;
  return (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
}

}  // namespace kiln::frontend::onnx_import
