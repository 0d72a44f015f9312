#include "ir/ops/window3d.h"

#include <string>

#include "ir/errors.h"

namespace kiln::ir {

std::array<int64_t, 3> window3d_ints(const Attrs &attrs, const std::string &name,
                                     int64_t fallback) {
  if (!attrs.has(name)) return {fallback, fallback, fallback};
  const auto &v = attrs.get_ints(name);
  if (v.size() != 3)
    throw UserError(name + " must have 3 entries (depth, height, width), got " +
                    std::to_string(v.size()));
  return {v[0], v[1], v[2]};
}

Window3d read_window3d_attrs(const Attrs &attrs, bool stride_defaults_to_kernel) {
  Window3d w{};
  w.kernel = window3d_ints(attrs, "kernel", 1);
  w.stride = stride_defaults_to_kernel && !attrs.has("stride") ? w.kernel
                                                               : window3d_ints(attrs, "stride", 1);
  w.dilation = window3d_ints(attrs, "dilation", 1);
  w.pad_begin = w.pad_end = {0, 0, 0};
  if (attrs.has("pads")) {
    const auto &p = attrs.get_ints("pads");
    if (p.size() != 6)
      throw UserError("pads must have 6 entries (begin d, h, w, end d, h, w), got " +
                      std::to_string(p.size()));
    w.pad_begin = {p[0], p[1], p[2]};
    w.pad_end = {p[3], p[4], p[5]};
  }
  for (int k = 0; k < 3; k++) {
    if (w.kernel[k] <= 0) throw UserError("kernel sizes must be positive");
    if (w.stride[k] <= 0) throw UserError("strides must be positive");
    if (w.dilation[k] <= 0) throw UserError("dilations must be positive");
    if (w.pad_begin[k] < 0 || w.pad_end[k] < 0)
      throw UserError("padding amounts must not be negative");
  }
  return w;
}

Window3d resolve_window3d(const Attrs &attrs, const Shape &in, bool stride_defaults_to_kernel,
                          bool ceil_mode) {
  Window3d w = read_window3d_attrs(attrs, stride_defaults_to_kernel);
  for (int k = 0; k < 3; k++) {
    w.in[k] = in[k];
    const int64_t s = w.stride[k];
    const int64_t span =
        in[k] + w.pad_begin[k] + w.pad_end[k] - ((w.kernel[k] - 1) * w.dilation[k] + 1);
    int64_t out = span < 0 ? 0 : (ceil_mode ? (span + s - 1) / s : span / s) + 1;
    // PyTorch: the last window must start inside the input or the begin padding.
    if (ceil_mode && out > 0 && (out - 1) * s >= in[k] + w.pad_begin[k]) out--;
    if (out <= 0)
      throw UserError("the window (kernel " + std::to_string(w.kernel[k]) + ", dilation " +
                      std::to_string(w.dilation[k]) + ") does not fit the padded input size " +
                      std::to_string(in[k] + w.pad_begin[k] + w.pad_end[k]) + " of axis " +
                      std::to_string(k + 2));
    w.out[k] = out;
  }
  return w;
}

bool reads_outside_input(const Window3d &w) {
  for (int k = 0; k < 3; k++) {
    const int64_t last =
        (w.out[k] - 1) * w.stride[k] + (w.kernel[k] - 1) * w.dilation[k] - w.pad_begin[k];
    if (w.pad_begin[k] > 0 || last >= w.in[k]) return true;
  }
  return false;
}

}  // namespace kiln::ir
