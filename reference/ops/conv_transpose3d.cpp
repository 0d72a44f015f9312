// Reference conv_transpose3d as its definition reads: every input voxel
// scatters its group's kernels, scaled, into a double accumulator of the
// output (taps that land in the cropped padding dropped), then the bias.
// (The Halide lowering gathers instead, so the two share no index algebra.)
#include "ir/ops/transposed_window3d.h"
#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

template <typename T>
std::vector<BasicTensor<T>> conv_transpose3d_kernel(const ir::Node &node, const Inputs<T> &in) {
  const BasicTensor<T> &x = *in[0], &w = *in[1];
  const BasicTensor<T> *bias = node.attrs.get_int("use_bias") ? in.at(2) : nullptr;
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  BasicTensor<T> &y = out[0];
  const ir::TransposedWindow3d win =
      ir::resolve_transposed_window3d(node.attrs, {x.shape[2], x.shape[3], x.shape[4]});
  const int64_t N = x.shape[0], C = x.shape[1], F = y.shape[1];
  const int64_t groups = node.attrs.get_int("groups"), cin_g = C / groups, cout_g = F / groups;
  const int64_t D = win.in[0], H = win.in[1], W = win.in[2];
  const int64_t OD = win.out[0], OH = win.out[1], OW = win.out[2];
  const int64_t KD = win.kernel[0], KH = win.kernel[1], KW = win.kernel[2];
  std::vector<double> acc(static_cast<size_t>(y.numel()), 0.0);
  for (int64_t n = 0; n < N; n++)
    for (int64_t c = 0; c < C; c++)
      for (int64_t id = 0; id < D; id++)
        for (int64_t ih = 0; ih < H; ih++)
          for (int64_t iw = 0; iw < W; iw++) {
            const double v = x.data[(((n * C + c) * D + id) * H + ih) * W + iw];
            for (int64_t fo = 0; fo < cout_g; fo++) {
              const int64_t f = (c / cin_g) * cout_g + fo;
              for (int64_t kd = 0; kd < KD; kd++) {
                const int64_t od = id * win.stride[0] + kd * win.dilation[0] - win.pad_begin[0];
                if (od < 0 || od >= OD) continue;
                for (int64_t kh = 0; kh < KH; kh++) {
                  const int64_t oh = ih * win.stride[1] + kh * win.dilation[1] - win.pad_begin[1];
                  if (oh < 0 || oh >= OH) continue;
                  for (int64_t kw = 0; kw < KW; kw++) {
                    const int64_t ow = iw * win.stride[2] + kw * win.dilation[2] - win.pad_begin[2];
                    if (ow < 0 || ow >= OW) continue;
                    acc[(((n * F + f) * OD + od) * OH + oh) * OW + ow] +=
                        v * w.data[(((c * cout_g + fo) * KD + kd) * KH + kh) * KW + kw];
                  }
                }
              }
            }
          }
  const int64_t plane = OD * OH * OW;
  for (int64_t i = 0; i < y.numel(); i++)
    y.data[i] = static_cast<T>(acc[i] + (bias ? bias->data[(i / plane) % F] : 0.0));
  return out;
}

KILN_REF_KERNEL(conv_transpose3d)

}  // namespace kiln::reference::ops
