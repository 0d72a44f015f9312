// Reference conv_transpose2d as its definition reads: every input pixel
// scatters its group's kernels, scaled, into a double accumulator of the
// full output; the padding is then cropped and the fused epilogue applied.
// (The Halide lowering gathers instead, so the two share no index algebra.)
#include "ir/ops/transposed_window.h"
#include "reference/ops/epilogue.h"
#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

template <typename T>
std::vector<BasicTensor<T>> conv_transpose2d_kernel(const ir::Node &node, const Inputs<T> &in) {
  const BasicTensor<T> &x = *in[0], &w = *in[1];
  const BasicTensor<T> *bias = layer_bias(node, in);
  const BasicRefEpilogue<T> epilogue(node, in);
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  BasicTensor<T> &y = out[0];
  const ir::TransposedWindow2d win =
      ir::resolve_transposed_window(node.attrs, x.shape[2], x.shape[3]);
  const int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
  const int64_t F = y.shape[1], OH = win.out_h, OW = win.out_w;
  const int64_t groups = node.attrs.get_int("groups"), cin_g = C / groups, cout_g = F / groups;
  std::vector<double> acc(static_cast<size_t>(y.numel()), 0.0);
  auto at = [&](int64_t n, int64_t f, int64_t oy, int64_t ox) -> double & {
    return acc[((n * F + f) * OH + oy) * OW + ox];
  };
  for (int64_t n = 0; n < N; n++)
    for (int64_t c = 0; c < C; c++) {
      const int64_t g = c / cin_g;
      for (int64_t iy = 0; iy < H; iy++)
        for (int64_t ix = 0; ix < W; ix++) {
          const double v = x.at4(n, c, iy, ix);
          for (int64_t fo = 0; fo < cout_g; fo++)
            for (int64_t ky = 0; ky < win.kernel_h; ky++) {
              const int64_t oy = iy * win.stride_h + ky * win.dilation_h - win.pad_top;
              if (oy < 0 || oy >= OH) continue;
              for (int64_t kx = 0; kx < win.kernel_w; kx++) {
                const int64_t ox = ix * win.stride_w + kx * win.dilation_w - win.pad_left;
                if (ox < 0 || ox >= OW) continue;
                at(n, g * cout_g + fo, oy, ox) += v * w.at4(c, fo, ky, kx);
              }
            }
        }
    }
  for (int64_t i = 0; i < y.numel(); i++) {
    const int64_t f = (i / (OH * OW)) % F;
    y.data[i] = static_cast<T>(epilogue.apply(acc[i] + (bias ? bias->data[f] : 0.0), i));
  }
  return out;
}

KILN_REF_KERNEL(conv_transpose2d)

}  // namespace kiln::reference::ops
