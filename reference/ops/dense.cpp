// Reference dense: y[n, u] = sum_k x[n, k] * W[u, k] + b[u], then the fused
// epilogue.
#include "reference/ops/epilogue.h"
#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

std::vector<Tensor> ref_dense(const ir::Node &node, const std::vector<const Tensor *> &in) {
  const Tensor &x = *in[0], &w = *in[1];
  const Tensor *bias = layer_bias(node, in);
  const RefEpilogue epilogue(node, in);
  std::vector<Tensor> out = make_outputs(node, in);
  const int64_t N = x.shape[0], K = x.shape[1], U = w.shape[0];
  for (int64_t n = 0; n < N; n++)
    for (int64_t u = 0; u < U; u++) {
      double acc = bias ? bias->data[u] : 0.0;
      for (int64_t k = 0; k < K; k++) acc += static_cast<double>(x.data[n * K + k]) * w.data[u * K + k];
      out[0].data[n * U + u] = static_cast<float>(epilogue.apply(acc, n * U + u));
    }
  return out;
}

}  // namespace kiln::reference::ops
