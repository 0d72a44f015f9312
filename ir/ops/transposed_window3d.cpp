#include "ir/ops/transposed_window3d.h"

#include <string>

#include "ir/errors.h"

namespace kiln::ir {

namespace {

std::array<int64_t, 3> three(const Attrs &attrs, const std::string &name, int64_t fallback) {
  if (!attrs.has(name)) return {fallback, fallback, fallback};
  const auto &v = attrs.get_ints(name);
  if (v.size() != 3)
    throw UserError(name + " must have 3 entries (depth, height, width), got " +
                    std::to_string(v.size()));
  return {v[0], v[1], v[2]};
}

}  // namespace

TransposedWindow3d resolve_transposed_window3d(const Attrs &attrs, const Shape &in) {
  TransposedWindow3d w{};
  w.kernel = three(attrs, "kernel", 1);
  w.stride = three(attrs, "stride", 1);
  w.dilation = three(attrs, "dilation", 1);
  w.output_padding = three(attrs, "output_padding", 0);
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
    // PyTorch's rule: output padding smaller than the stride or the dilation.
    if (w.output_padding[k] < 0 ||
        (w.output_padding[k] >= w.stride[k] && w.output_padding[k] >= w.dilation[k]))
      throw UserError("output_padding " + std::to_string(w.output_padding[k]) + " of axis " +
                      std::to_string(k + 2) + " must be smaller than the stride or the dilation");
    w.in[k] = in[k];
    w.out[k] = (in[k] - 1) * w.stride[k] + (w.kernel[k] - 1) * w.dilation[k] + 1 +
               w.output_padding[k] - w.pad_begin[k] - w.pad_end[k];
    if (w.out[k] <= 0)
      throw UserError("the padding (" + std::to_string(w.pad_begin[k]) + ", " +
                      std::to_string(w.pad_end[k]) + ") crops the whole output of axis " +
                      std::to_string(k + 2) + " (input size " + std::to_string(in[k]) + ")");
  }
  return w;
}

}  // namespace kiln::ir
