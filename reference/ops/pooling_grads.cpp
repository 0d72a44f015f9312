// Reference backward of pooling: the windows of reference/ops/pooling.cpp
// (same clipping and divisors), each sending its gradient back to its
// input elements: all of them for the average, the first maximum (row-major
// order in the window) for the max.
#include <algorithm>

#include "ir/ops/window.h"
#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

namespace {

struct Window {
  int64_t h0, h1, w0, w1;  // clipped to the input, end exclusive
  int64_t padded_size;     // clipped to the padded input only
};

Window window_at(const ir::Window2d &win, int64_t oh, int64_t ow) {
  Window w;
  w.h0 = oh * win.stride_h - win.pad_top;
  w.w0 = ow * win.stride_w - win.pad_left;
  w.h1 = std::min(w.h0 + win.kernel_h, win.in_h + win.pad_bottom);
  w.w1 = std::min(w.w0 + win.kernel_w, win.in_w + win.pad_right);
  w.padded_size = (w.h1 - w.h0) * (w.w1 - w.w0);
  w.h0 = std::max<int64_t>(w.h0, 0);
  w.w0 = std::max<int64_t>(w.w0, 0);
  w.h1 = std::min(w.h1, win.in_h);
  w.w1 = std::min(w.w1, win.in_w);
  return w;
}

}  // namespace

template <typename T>
std::vector<BasicTensor<T>> max_pool2d_backward_kernel(const ir::Node &node, const Inputs<T> &in) {
  const BasicTensor<T> &dy = *in[0], &x = *in[1];
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const ir::Window2d win =
      ir::resolve_window(node.attrs, x.shape[2], x.shape[3], true, node.attrs.get_int("ceil_mode"));
  std::vector<double> dx(x.numel(), 0.0);
  for (int64_t n = 0; n < x.shape[0]; n++)
    for (int64_t c = 0; c < x.shape[1]; c++)
      for (int64_t oh = 0; oh < win.out_h; oh++)
        for (int64_t ow = 0; ow < win.out_w; ow++) {
          const Window w = window_at(win, oh, ow);
          int64_t best_h = w.h0, best_w = w.w0;
          for (int64_t h = w.h0; h < w.h1; h++)
            for (int64_t v = w.w0; v < w.w1; v++)
              if (x.at4(n, c, h, v) > x.at4(n, c, best_h, best_w)) best_h = h, best_w = v;
          dx[((n * x.shape[1] + c) * x.shape[2] + best_h) * x.shape[3] + best_w] +=
              dy.at4(n, c, oh, ow);
        }
  out[0].data.assign(dx.begin(), dx.end());
  return out;
}

template <typename T>
std::vector<BasicTensor<T>> avg_pool2d_backward_kernel(const ir::Node &node, const Inputs<T> &in) {
  const BasicTensor<T> &dy = *in[0];
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const ir::Shape xs = out[0].shape;
  const ir::Window2d win =
      ir::resolve_window(node.attrs, xs[2], xs[3], true, node.attrs.get_int("ceil_mode"));
  const bool include_pad = node.attrs.get_int("count_include_pad");
  std::vector<double> dx(out[0].numel(), 0.0);
  for (int64_t n = 0; n < xs[0]; n++)
    for (int64_t c = 0; c < xs[1]; c++)
      for (int64_t oh = 0; oh < win.out_h; oh++)
        for (int64_t ow = 0; ow < win.out_w; ow++) {
          const Window w = window_at(win, oh, ow);
          const int64_t size = include_pad ? w.padded_size : (w.h1 - w.h0) * (w.w1 - w.w0);
          const double share =
              static_cast<double>(dy.at4(n, c, oh, ow)) / static_cast<double>(size);
          for (int64_t h = w.h0; h < w.h1; h++)
            for (int64_t v = w.w0; v < w.w1; v++)
              dx[((n * xs[1] + c) * xs[2] + h) * xs[3] + v] += share;
        }
  out[0].data.assign(dx.begin(), dx.end());
  return out;
}

KILN_REF_KERNEL(max_pool2d_backward)
KILN_REF_KERNEL(avg_pool2d_backward)

}  // namespace kiln::reference::ops
