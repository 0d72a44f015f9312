// Reference max_pool2d_argmax (ir/ops/pool_argmax.cpp): each window's taps
// in row-major order; a tap replaces the best only when strictly greater, so
// the first maximum wins; taps outside the input are skipped.
#include <limits>

#include "ir/ops/window.h"
#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

namespace {

template <typename T>
std::vector<BasicTensor<T>> max_pool2d_argmax_kernel(const ir::Node &node, const Inputs<T> &in) {
  const BasicTensor<T> &x = *in[0];
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const ir::Attrs &a = node.attrs;
  const int64_t C = x.shape[1], H = x.shape[2], W = x.shape[3];
  const ir::Window2d win = ir::resolve_window(a, H, W, true, a.get_int("ceil_mode"));
  const bool column_major = a.get_int("column_major") != 0;
  for (int64_t n = 0; n < x.shape[0]; n++)
    for (int64_t c = 0; c < C; c++)
      for (int64_t oh = 0; oh < win.out_h; oh++)
        for (int64_t ow = 0; ow < win.out_w; ow++) {
          double best = -std::numeric_limits<double>::infinity();
          int64_t where = -1;
          for (int64_t i = 0; i < win.kernel_h; i++)
            for (int64_t j = 0; j < win.kernel_w; j++) {
              const int64_t h = oh * win.stride_h - win.pad_top + i * win.dilation_h;
              const int64_t w = ow * win.stride_w - win.pad_left + j * win.dilation_w;
              if (h < 0 || h >= H || w < 0 || w >= W) continue;
              const double v = x.at4(n, c, h, w);
              if (v > best) {
                best = v;
                where = (n * C + c) * H * W + (column_major ? w * H + h : h * W + w);
              }
            }
          out[0].at4(n, c, oh, ow) = static_cast<T>(where);
        }
  return out;
}

}  // namespace

KILN_REF_KERNEL(max_pool2d_argmax)

}  // namespace kiln::reference::ops
