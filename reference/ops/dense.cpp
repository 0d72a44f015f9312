// Reference dense: y[n, u] = sum_k x[n, k] * W[u, k] + b[u], then the fused
// epilogue.
#include "reference/ops/epilogue.h"
#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

template <typename T>
std::vector<BasicTensor<T>> dense_kernel(const ir::Node &node, const Inputs<T> &in) {
  const BasicTensor<T> &x = *in[0], &w = *in[1];
  const BasicTensor<T> *bias = layer_bias(node, in);
  const BasicRefEpilogue<T> epilogue(node, in);
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const int64_t N = x.shape[0], K = x.shape[1], U = w.shape[0];
  for (int64_t n = 0; n < N; n++)
    for (int64_t u = 0; u < U; u++) {
      double acc = bias ? bias->data[u] : 0.0;
      for (int64_t k = 0; k < K; k++) acc += static_cast<double>(x.data[n * K + k]) * w.data[u * K + k];
      out[0].data[n * U + u] = static_cast<T>(epilogue.apply(acc, n * U + u));
    }
  return out;
}

KILN_REF_KERNEL(dense)

}  // namespace kiln::reference::ops
