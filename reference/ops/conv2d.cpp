// Reference conv2d: the textbook seven nested loops, with the input index
// mapped through the padding mode, then the fused epilogue.
#include "ir/ops/window.h"
#include "reference/ops/epilogue.h"
#include "reference/ops/pad_index.h"
#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

template <typename T>
std::vector<BasicTensor<T>> conv2d_kernel(const ir::Node &node, const Inputs<T> &in) {
  const BasicTensor<T> &x = *in[0], &w = *in[1];
  const BasicTensor<T> *bias = layer_bias(node, in);
  const BasicRefEpilogue<T> epilogue(node, in);
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  BasicTensor<T> &y = out[0];
  const ir::Window2d win = ir::resolve_window(node.attrs, x.shape[2], x.shape[3], false, false);
  const std::string mode = node.attrs.get_string("padding_mode");
  const int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
  const int64_t F = y.shape[1], groups = node.attrs.get_int("groups");
  const int64_t cin_g = C / groups, cout_g = F / groups;
  for (int64_t n = 0; n < N; n++)
    for (int64_t f = 0; f < F; f++) {
      const int64_t g = f / cout_g;
      for (int64_t oh = 0; oh < win.out_h; oh++)
        for (int64_t ow = 0; ow < win.out_w; ow++) {
          double acc = bias ? bias->data[f] : 0.0;
          for (int64_t ci = 0; ci < cin_g; ci++)
            for (int64_t ky = 0; ky < win.kernel_h; ky++) {
              int64_t ih = pad_index(oh * win.stride_h + ky * win.dilation_h - win.pad_top, H, mode);
              if (ih < 0) continue;
              for (int64_t kx = 0; kx < win.kernel_w; kx++) {
                int64_t iw = pad_index(ow * win.stride_w + kx * win.dilation_w - win.pad_left, W, mode);
                if (iw < 0) continue;
                acc += static_cast<double>(x.at4(n, g * cin_g + ci, ih, iw)) * w.at4(f, ci, ky, kx);
              }
            }
          const int64_t i = ((n * F + f) * win.out_h + oh) * win.out_w + ow;
          y.data[i] = static_cast<T>(epilogue.apply(acc, i));
        }
    }
  return out;
}

KILN_REF_KERNEL(conv2d)

}  // namespace kiln::reference::ops
