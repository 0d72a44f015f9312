// Reference conv2d: the textbook seven nested loops, with the input index
// mapped through the padding mode, then the fused epilogue. A conv whose
// weight is the Winograd-transformed filter U (pretransform-winograd) is
// evaluated by the Winograd formulas in float64 from U, so its result checks
// U's values and layout against the conv it replaced.
#include "ir/ops/window.h"
#include "ir/ops/winograd.h"
#include "reference/ops/epilogue.h"
#include "reference/ops/pad_index.h"
#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

// Y = AT [sum_c U(c) .* (BT d(c) B)] A per m x m output tile, with U read
// as {alpha, alpha, C, K} (ir/ops/winograd.h); tiles hanging over the edge
// read the input extended by the padding mode and drop their extra outputs.
template <typename T>
std::vector<BasicTensor<T>> conv2d_winograd_from_u(const ir::Node &node, const Inputs<T> &in) {
  const BasicTensor<T> &x = *in[0], &u = *in[1];
  const BasicTensor<T> *bias = layer_bias(node, in);
  const BasicRefEpilogue<T> epilogue(node, in);
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  BasicTensor<T> &y = out[0];
  const ir::Window2d win = ir::resolve_window(node.attrs, x.shape[2], x.shape[3], false, false);
  const std::string mode = node.attrs.get_string("padding_mode");
  const ir::ops::WinogradMatrices &w =
      ir::ops::winograd_matrices(ir::ops::winograd_tile(node.attrs.get_string("algorithm")));
  const int m = w.m, alpha = w.alpha;
  const int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3], K = y.shape[1];
  const int64_t OH = win.out_h, OW = win.out_w;
  std::vector<double> v(static_cast<size_t>(C * alpha * alpha));  // one tile's BT d B per c
  std::vector<double> mm(alpha * alpha), tmp(alpha * alpha);
  for (int64_t n = 0; n < N; n++)
    for (int64_t ty = 0; ty * m < OH; ty++)
      for (int64_t tx = 0; tx * m < OW; tx++) {
        for (int64_t c = 0; c < C; c++) {
          double d[8][8], bd[8][8];
          for (int a = 0; a < alpha; a++)
            for (int b = 0; b < alpha; b++) {
              int64_t ih = pad_index(ty * m + a - win.pad_top, H, mode);
              int64_t iw = pad_index(tx * m + b - win.pad_left, W, mode);
              d[a][b] = ih < 0 || iw < 0 ? 0.0 : static_cast<double>(x.at4(n, c, ih, iw));
            }
          for (int p = 0; p < alpha; p++)
            for (int b = 0; b < alpha; b++) {
              double s = 0;
              for (int a = 0; a < alpha; a++) s += w.BT[p][a] * d[a][b];
              bd[p][b] = s;
            }
          for (int p = 0; p < alpha; p++)
            for (int q = 0; q < alpha; q++) {
              double s = 0;
              for (int b = 0; b < alpha; b++) s += bd[p][b] * w.BT[q][b];
              v[(c * alpha + p) * alpha + q] = s;
            }
        }
        for (int64_t k = 0; k < K; k++) {
          for (int pq = 0; pq < alpha * alpha; pq++) {
            double s = 0;
            for (int64_t c = 0; c < C; c++)
              s += static_cast<double>(u.data[(pq * C + c) * K + k]) * v[c * alpha * alpha + pq];
            mm[pq] = s;
          }
          for (int i = 0; i < m; i++)  // AT M
            for (int q = 0; q < alpha; q++) {
              double s = 0;
              for (int p = 0; p < alpha; p++) s += w.AT[i][p] * mm[p * alpha + q];
              tmp[i * alpha + q] = s;
            }
          for (int i = 0; i < m && ty * m + i < OH; i++)  // (AT M) A
            for (int j = 0; j < m && tx * m + j < OW; j++) {
              double s = bias ? static_cast<double>(bias->data[k]) : 0.0;
              for (int q = 0; q < alpha; q++) s += tmp[i * alpha + q] * w.AT[j][q];
              const int64_t idx = ((n * K + k) * OH + ty * m + i) * OW + tx * m + j;
              y.data[idx] = static_cast<T>(epilogue.apply(s, idx));
            }
        }
      }
  return out;
}

template <typename T>
std::vector<BasicTensor<T>> conv2d_kernel(const ir::Node &node, const Inputs<T> &in) {
  if (ir::ops::weights_pretransformed(node.attrs)) return conv2d_winograd_from_u(node, in);
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
