// Reference pooling, with PyTorch's window rules: a window starts at
// o*stride - pad_begin and ends at min(start + kernel, size + pad_end); its
// padded size is taken before clipping to the input. Max ignores padding;
// average divides by the padded size (count_include_pad) or the clipped one.
// A dilated max window (dilation d) reads taps start + i*d inside the input.
#include <algorithm>
#include <limits>

#include "ir/ops/window.h"
#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

namespace {

template <bool kMax, typename T>
std::vector<BasicTensor<T>> pool(const ir::Node &node, const Inputs<T> &in) {
  const BasicTensor<T> &x = *in[0];
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const ir::Attrs &a = node.attrs;
  const int64_t H = x.shape[2], W = x.shape[3];
  const ir::Window2d win = ir::resolve_window(a, H, W, true, a.get_int("ceil_mode"));
  const bool include_pad = !kMax && a.get_int("count_include_pad");
  for (int64_t n = 0; n < x.shape[0]; n++)
    for (int64_t c = 0; c < x.shape[1]; c++)
      for (int64_t oh = 0; oh < win.out_h; oh++)
        for (int64_t ow = 0; ow < win.out_w; ow++) {
          int64_t h0 = oh * win.stride_h - win.pad_top, w0 = ow * win.stride_w - win.pad_left;
          int64_t h1 = std::min(h0 + win.kernel_h, H + win.pad_bottom);
          int64_t w1 = std::min(w0 + win.kernel_w, W + win.pad_right);
          const int64_t padded_size = (h1 - h0) * (w1 - w0);
          h0 = std::max<int64_t>(h0, 0);
          w0 = std::max<int64_t>(w0, 0);
          h1 = std::min(h1, H);
          w1 = std::min(w1, W);
          double acc = kMax ? -std::numeric_limits<double>::infinity() : 0.0;
          if (kMax && (win.dilation_h != 1 || win.dilation_w != 1)) {
            const int64_t hs = oh * win.stride_h - win.pad_top,
                          ws = ow * win.stride_w - win.pad_left;
            for (int64_t i = 0; i < win.kernel_h; i++)
              for (int64_t j = 0; j < win.kernel_w; j++) {
                const int64_t h = hs + i * win.dilation_h, w = ws + j * win.dilation_w;
                if (h >= 0 && h < H && w >= 0 && w < W)
                  acc = std::max(acc, static_cast<double>(x.at4(n, c, h, w)));
              }
            out[0].at4(n, c, oh, ow) = static_cast<T>(acc);
            continue;
          }
          for (int64_t h = h0; h < h1; h++)
            for (int64_t w = w0; w < w1; w++)
              acc = kMax ? std::max(acc, static_cast<double>(x.at4(n, c, h, w))) : acc + x.at4(n, c, h, w);
          if (!kMax) acc /= static_cast<double>(include_pad ? padded_size : (h1 - h0) * (w1 - w0));
          out[0].at4(n, c, oh, ow) = static_cast<T>(acc);
        }
  return out;
}

template <bool kMax, typename T>
std::vector<BasicTensor<T>> global_pool(const ir::Node &node, const Inputs<T> &in) {
  const BasicTensor<T> &x = *in[0];
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const int64_t plane = x.shape[2] * x.shape[3];
  for (int64_t nc = 0; nc < x.shape[0] * x.shape[1]; nc++) {
    double acc = kMax ? -std::numeric_limits<double>::infinity() : 0.0;
    for (int64_t k = 0; k < plane; k++) {
      double v = x.data[nc * plane + k];
      acc = kMax ? std::max(acc, v) : acc + v;
    }
    out[0].data[nc] = static_cast<T>(kMax ? acc : acc / plane);
  }
  return out;
}

template <typename T>
std::vector<BasicTensor<T>> max_pool2d_kernel(const ir::Node &n, const Inputs<T> &in) { return pool<true>(n, in); }
template <typename T>
std::vector<BasicTensor<T>> avg_pool2d_kernel(const ir::Node &n, const Inputs<T> &in) { return pool<false>(n, in); }
template <typename T>
std::vector<BasicTensor<T>> global_max_pool_kernel(const ir::Node &n, const Inputs<T> &in) { return global_pool<true>(n, in); }
template <typename T>
std::vector<BasicTensor<T>> global_avg_pool_kernel(const ir::Node &n, const Inputs<T> &in) { return global_pool<false>(n, in); }

}  // namespace

KILN_REF_KERNEL(max_pool2d)
KILN_REF_KERNEL(avg_pool2d)
KILN_REF_KERNEL(global_max_pool)
KILN_REF_KERNEL(global_avg_pool)

}  // namespace kiln::reference::ops
