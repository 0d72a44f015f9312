// Reference conv3d, max_pool3d and avg_pool3d over NCDHW: the textbook
// loops. Pooling follows PyTorch's window rules (reference/ops/pooling.cpp):
// a window of axis k starts at o*stride - pad_begin; its padded extent ends
// at min(start + kernel, size + pad_end), measured before clipping to the
// input. Max reads the (dilated) taps inside the input; average divides by
// the padded extent (count_include_pad) or the clipped one.
#include <algorithm>
#include <limits>

#include "ir/ops/window3d.h"
#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

namespace {

// Row-major offset of (a, b, c, d, e) in a 5-D shape.
inline int64_t at5(const ir::Shape &s, int64_t a, int64_t b, int64_t c, int64_t d, int64_t e) {
  return (((a * s[1] + b) * s[2] + c) * s[3] + d) * s[4] + e;
}

ir::Shape spatial(const ir::Shape &s) { return {s[2], s[3], s[4]}; }

template <typename T>
std::vector<BasicTensor<T>> conv3d_kernel(const ir::Node &node, const Inputs<T> &in) {
  const BasicTensor<T> &x = *in[0], &w = *in[1];
  const BasicTensor<T> *bias = node.attrs.get_int("use_bias") ? in.at(2) : nullptr;
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  BasicTensor<T> &y = out[0];
  const ir::Window3d win = ir::resolve_window3d(node.attrs, spatial(x.shape), false, false);
  const int64_t N = x.shape[0], C = x.shape[1], F = y.shape[1];
  const int64_t groups = node.attrs.get_int("groups"), cin_g = C / groups, cout_g = F / groups;
  for (int64_t n = 0; n < N; n++)
    for (int64_t f = 0; f < F; f++)
      for (int64_t od = 0; od < win.out[0]; od++)
        for (int64_t oh = 0; oh < win.out[1]; oh++)
          for (int64_t ow = 0; ow < win.out[2]; ow++) {
            double acc = bias ? bias->data[f] : 0.0;
            for (int64_t ci = 0; ci < cin_g; ci++)
              for (int64_t kd = 0; kd < win.kernel[0]; kd++) {
                const int64_t id = od * win.stride[0] + kd * win.dilation[0] - win.pad_begin[0];
                if (id < 0 || id >= win.in[0]) continue;
                for (int64_t kh = 0; kh < win.kernel[1]; kh++) {
                  const int64_t ih = oh * win.stride[1] + kh * win.dilation[1] - win.pad_begin[1];
                  if (ih < 0 || ih >= win.in[1]) continue;
                  for (int64_t kw = 0; kw < win.kernel[2]; kw++) {
                    const int64_t iw = ow * win.stride[2] + kw * win.dilation[2] - win.pad_begin[2];
                    if (iw < 0 || iw >= win.in[2]) continue;
                    acc += static_cast<double>(
                               x.data[at5(x.shape, n, (f / cout_g) * cin_g + ci, id, ih, iw)]) *
                           w.data[at5(w.shape, f, ci, kd, kh, kw)];
                  }
                }
              }
            y.data[at5(y.shape, n, f, od, oh, ow)] = static_cast<T>(acc);
          }
  return out;
}

template <bool kMax, typename T>
std::vector<BasicTensor<T>> pool3d(const ir::Node &node, const Inputs<T> &in) {
  const BasicTensor<T> &x = *in[0];
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const ir::Attrs &a = node.attrs;
  const ir::Window3d win = ir::resolve_window3d(a, spatial(x.shape), true, a.get_int("ceil_mode"));
  const bool include_pad = !kMax && a.get_int("count_include_pad");
  for (int64_t n = 0; n < x.shape[0]; n++)
    for (int64_t c = 0; c < x.shape[1]; c++)
      for (int64_t od = 0; od < win.out[0]; od++)
        for (int64_t oh = 0; oh < win.out[1]; oh++)
          for (int64_t ow = 0; ow < win.out[2]; ow++) {
            const int64_t o[3] = {od, oh, ow};
            int64_t lo[3], hi[3];  // the window clipped to the input
            int64_t padded = 1, clipped = 1;
            for (int k = 0; k < 3; k++) {
              const int64_t start = o[k] * win.stride[k] - win.pad_begin[k];
              const int64_t end = std::min(start + win.kernel[k], win.in[k] + win.pad_end[k]);
              padded *= end - start;
              lo[k] = std::max<int64_t>(start, 0);
              hi[k] = std::min(end, win.in[k]);
              clipped *= hi[k] - lo[k];
            }
            double acc = kMax ? -std::numeric_limits<double>::infinity() : 0.0;
            if (kMax) {
              for (int64_t i = 0; i < win.kernel[0]; i++)
                for (int64_t j = 0; j < win.kernel[1]; j++)
                  for (int64_t l = 0; l < win.kernel[2]; l++) {
                    const int64_t d = od * win.stride[0] - win.pad_begin[0] + i * win.dilation[0];
                    const int64_t h = oh * win.stride[1] - win.pad_begin[1] + j * win.dilation[1];
                    const int64_t w = ow * win.stride[2] - win.pad_begin[2] + l * win.dilation[2];
                    if (d >= 0 && d < win.in[0] && h >= 0 && h < win.in[1] && w >= 0 &&
                        w < win.in[2])
                      acc = std::max(acc, static_cast<double>(x.data[at5(x.shape, n, c, d, h, w)]));
                  }
            } else {
              for (int64_t d = lo[0]; d < hi[0]; d++)
                for (int64_t h = lo[1]; h < hi[1]; h++)
                  for (int64_t w = lo[2]; w < hi[2]; w++)
                    acc += x.data[at5(x.shape, n, c, d, h, w)];
              acc /= static_cast<double>(include_pad ? padded : clipped);
            }
            out[0].data[at5(out[0].shape, n, c, od, oh, ow)] = static_cast<T>(acc);
          }
  return out;
}

template <typename T>
std::vector<BasicTensor<T>> max_pool3d_kernel(const ir::Node &n, const Inputs<T> &in) {
  return pool3d<true>(n, in);
}
template <typename T>
std::vector<BasicTensor<T>> avg_pool3d_kernel(const ir::Node &n, const Inputs<T> &in) {
  return pool3d<false>(n, in);
}

}  // namespace

KILN_REF_KERNEL(conv3d)
KILN_REF_KERNEL(max_pool3d)
KILN_REF_KERNEL(avg_pool3d)

}  // namespace kiln::reference::ops
