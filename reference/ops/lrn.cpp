// Reference lrn (ir/ops/lrn.h), in double.
#include "ir/ops/lrn.h"

#include <algorithm>
#include <cmath>

#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

namespace {

template <typename T>
std::vector<BasicTensor<T>> lrn_kernel(const ir::Node &node, const Inputs<T> &in) {
  const BasicTensor<T> &x = *in[0];
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const int64_t size = node.attrs.get_int("size");
  const double alpha = node.attrs.get_float("alpha"), beta = node.attrs.get_float("beta"),
               bias = node.attrs.get_float("bias");
  const ir::ops::LrnWindow w = ir::ops::lrn_window(size);
  int64_t batch, inner;
  split_axis(x.shape, 1, &batch, &inner);
  const int64_t channels = x.shape[1];
  for (int64_t n = 0; n < batch; n++)
    for (int64_t c = 0; c < channels; c++)
      for (int64_t i = 0; i < inner; i++) {
        auto at = [&](int64_t ch) { return (n * channels + ch) * inner + i; };
        double sum = 0;
        for (int64_t k = std::max<int64_t>(c - w.before, 0);
             k <= std::min(c + w.after, channels - 1); k++)
          sum += static_cast<double>(x.data[at(k)]) * x.data[at(k)];
        out[0].data[at(c)] =
            static_cast<T>(x.data[at(c)] / std::pow(bias + alpha / size * sum, beta));
      }
  return out;
}

}  // namespace

KILN_REF_KERNEL(lrn)

}  // namespace kiln::reference::ops
