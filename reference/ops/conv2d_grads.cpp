// Reference backward of conv2d, written as the forward's loops with the
// accumulation turned around (scatter), so it is plainly the transpose of
// reference/ops/conv2d.cpp, padding modes included: a padded position that
// reads input element i sends its gradient back to i.
#include "ir/ops/window.h"
#include "reference/ops/pad_index.h"
#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

namespace {

// Calls visit(n, f, oh, ow, c, ih, iw, ci, ky, kx) for every product the
// forward conv over input `x_shape` forms: output (n, f, oh, ow) times weight
// (f, ci, ky, kx) times input (n, c, ih, iw).
template <typename Visit>
void for_each_tap(const ir::Attrs &a, const ir::Shape &x_shape, int64_t filters, Visit visit) {
  const ir::Window2d win = ir::resolve_window(a, x_shape[2], x_shape[3], false, false);
  const std::string mode = a.get_string("padding_mode");
  const int64_t N = x_shape[0], C = x_shape[1], H = x_shape[2], W = x_shape[3];
  const int64_t groups = a.get_int("groups"), cin_g = C / groups, cout_g = filters / groups;
  for (int64_t n = 0; n < N; n++)
    for (int64_t f = 0; f < filters; f++)
      for (int64_t oh = 0; oh < win.out_h; oh++)
        for (int64_t ow = 0; ow < win.out_w; ow++)
          for (int64_t ci = 0; ci < cin_g; ci++)
            for (int64_t ky = 0; ky < win.kernel_h; ky++) {
              int64_t ih =
                  pad_index(oh * win.stride_h + ky * win.dilation_h - win.pad_top, H, mode);
              if (ih < 0) continue;
              for (int64_t kx = 0; kx < win.kernel_w; kx++) {
                int64_t iw =
                    pad_index(ow * win.stride_w + kx * win.dilation_w - win.pad_left, W, mode);
                if (iw < 0) continue;
                visit(n, f, oh, ow, (f / cout_g) * cin_g + ci, ih, iw, ci, ky, kx);
              }
            }
}

template <typename T>
BasicTensor<T> rounded(const std::vector<double> &acc, const ir::Shape &shape) {
  return BasicTensor<T>(shape, std::vector<T>(acc.begin(), acc.end()));
}

}  // namespace

template <typename T>
std::vector<BasicTensor<T>> conv2d_backward_data_kernel(const ir::Node &node, const Inputs<T> &in) {
  const BasicTensor<T> &dy = *in[0], &w = *in[1];
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const ir::Shape xs = out[0].shape;
  std::vector<double> dx(out[0].numel(), 0.0);
  for_each_tap(node.attrs, xs, dy.shape[1],
               [&](int64_t n, int64_t f, int64_t oh, int64_t ow, int64_t c, int64_t ih, int64_t iw,
                   int64_t ci, int64_t ky, int64_t kx) {
                 dx[((n * xs[1] + c) * xs[2] + ih) * xs[3] + iw] +=
                     static_cast<double>(dy.at4(n, f, oh, ow)) * w.at4(f, ci, ky, kx);
               });
  out[0] = rounded<T>(dx, xs);
  return out;
}

template <typename T>
std::vector<BasicTensor<T>> conv2d_backward_weight_kernel(const ir::Node &node,
                                                          const Inputs<T> &in) {
  const BasicTensor<T> &dy = *in[0], &x = *in[1];
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const ir::Shape ws = out[0].shape;
  std::vector<double> dw(out[0].numel(), 0.0);
  for_each_tap(node.attrs, x.shape, dy.shape[1],
               [&](int64_t n, int64_t f, int64_t oh, int64_t ow, int64_t c, int64_t ih, int64_t iw,
                   int64_t ci, int64_t ky, int64_t kx) {
                 dw[((f * ws[1] + ci) * ws[2] + ky) * ws[3] + kx] +=
                     static_cast<double>(dy.at4(n, f, oh, ow)) * x.at4(n, c, ih, iw);
               });
  out[0] = rounded<T>(dw, ws);
  return out;
}

template <typename T>
std::vector<BasicTensor<T>> channel_sum_kernel(const ir::Node &node, const Inputs<T> &in) {
  const BasicTensor<T> &x = *in[0];
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  int64_t outer, inner;
  split_axis(x.shape, 1, &outer, &inner);
  const int64_t C = x.shape[1];
  std::vector<double> sum(C, 0.0);
  for (int64_t o = 0; o < outer; o++)
    for (int64_t c = 0; c < C; c++)
      for (int64_t i = 0; i < inner; i++) sum[c] += x.data[(o * C + c) * inner + i];
  out[0] = rounded<T>(sum, {C});
  return out;
}

KILN_REF_KERNEL(conv2d_backward_data)
KILN_REF_KERNEL(conv2d_backward_weight)
KILN_REF_KERNEL(channel_sum)

}  // namespace kiln::reference::ops

namespace kiln::reference::ops {

template <typename T>
std::vector<BasicTensor<T>> dilate_pad_kernel(const ir::Node &node, const Inputs<T> &in) {
  const BasicTensor<T> &x = *in[0];
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const auto &s = node.attrs.get_ints("stride"), &p = node.attrs.get_ints("padding");
  for (int64_t n = 0; n < x.shape[0]; n++)
    for (int64_t c = 0; c < x.shape[1]; c++)
      for (int64_t h = 0; h < x.shape[2]; h++)
        for (int64_t w = 0; w < x.shape[3]; w++)
          out[0].at4(n, c, p[0] + h * s[0], p[1] + w * s[1]) = x.at4(n, c, h, w);
  return out;
}

template <typename T>
std::vector<BasicTensor<T>> flip_conv_weight_kernel(const ir::Node &node, const Inputs<T> &in) {
  const BasicTensor<T> &w = *in[0];
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const int64_t groups = node.attrs.get_int("groups"), fg = w.shape[0] / groups, cg = w.shape[1];
  const int64_t kh = w.shape[2], kw = w.shape[3];
  for (int64_t f = 0; f < w.shape[0]; f++)
    for (int64_t ci = 0; ci < cg; ci++)
      for (int64_t y = 0; y < kh; y++)
        for (int64_t x = 0; x < kw; x++)
          out[0].at4((f / fg) * cg + ci, f % fg, kh - 1 - y, kw - 1 - x) = w.at4(f, ci, y, x);
  return out;
}

KILN_REF_KERNEL(dilate_pad)
KILN_REF_KERNEL(flip_conv_weight)

}  // namespace kiln::reference::ops
