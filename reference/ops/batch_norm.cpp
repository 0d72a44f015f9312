// Reference batch_norm (inference): per channel (axis 1),
// y = gamma * (x - mean) / sqrt(var + epsilon) + beta.
#include <cmath>

#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

template <typename T>
std::vector<BasicTensor<T>> batch_norm_kernel(const ir::Node &node, const Inputs<T> &in) {
  const BasicTensor<T> &x = *in[0], &gamma = *in[1], &beta = *in[2], &mean = *in[3], &var = *in[4];
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const double eps = node.attrs.get_float("epsilon");
  int64_t outer, inner;
  split_axis(x.shape, 1, &outer, &inner);
  const int64_t C = x.shape[1];
  for (int64_t o = 0; o < outer; o++)
    for (int64_t c = 0; c < C; c++) {
      double scale = gamma.data[c] / std::sqrt(static_cast<double>(var.data[c]) + eps);
      for (int64_t i = 0; i < inner; i++) {
        int64_t k = (o * C + c) * inner + i;
        out[0].data[k] = static_cast<T>((x.data[k] - static_cast<double>(mean.data[c])) * scale + beta.data[c]);
      }
    }
  return out;
}

KILN_REF_KERNEL(batch_norm)

}  // namespace kiln::reference::ops
