#include "ir/ops/transposed_window3d.h"

#include <string>

#include "ir/errors.h"
#include "ir/ops/window3d.h"

namespace kiln::ir {

TransposedWindow3d resolve_transposed_window3d(const Attrs &attrs, const Shape &in) {
  const Window3d base = read_window3d_attrs(attrs, false);
  TransposedWindow3d w{};
  w.kernel = base.kernel;
  w.stride = base.stride;
  w.dilation = base.dilation;
  w.pad_begin = base.pad_begin;
  w.pad_end = base.pad_end;
  w.output_padding = window3d_ints(attrs, "output_padding", 0);
  for (int k = 0; k < 3; k++) {
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
