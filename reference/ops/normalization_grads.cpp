// Reference log_softmax_backward and lrn_backward
// (ir/ops/normalization_grads.cpp has the formulas), in double.
#include <algorithm>
#include <cmath>

#include "ir/ops/lrn.h"
#include "ir/ops/op_helpers.h"
#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

template <typename T>
std::vector<BasicTensor<T>> log_softmax_backward_kernel(const ir::Node &node, const Inputs<T> &in) {
  const BasicTensor<T> &dy = *in[0], &y = *in[1];
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const int axis = ir::ops::resolve_axis(node.attrs.get_int("axis"),
                                         static_cast<int>(y.shape.size()), "log_softmax_backward");
  int64_t outer, inner;
  split_axis(y.shape, axis, &outer, &inner);
  const int64_t len = y.shape[axis];
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < inner; i++) {
      auto at = [&](int64_t k) { return (o * len + k) * inner + i; };
      double sum = 0;
      for (int64_t k = 0; k < len; k++) sum += dy.data[at(k)];
      for (int64_t k = 0; k < len; k++)
        out[0].data[at(k)] = static_cast<T>(dy.data[at(k)] - std::exp(y.data[at(k)]) * sum);
    }
  return out;
}

template <typename T>
std::vector<BasicTensor<T>> lrn_backward_kernel(const ir::Node &node, const Inputs<T> &in) {
  const BasicTensor<T> &dy = *in[0], &x = *in[1];
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const int64_t size = node.attrs.get_int("size");
  const double alpha = node.attrs.get_float("alpha"), beta = node.attrs.get_float("beta"),
               bias = node.attrs.get_float("bias");
  const ir::ops::LrnWindow w = ir::ops::lrn_window(size);
  int64_t batch, inner;
  split_axis(x.shape, 1, &batch, &inner);
  const int64_t channels = x.shape[1];
  std::vector<double> d(channels), t(channels);
  for (int64_t n = 0; n < batch; n++)
    for (int64_t i = 0; i < inner; i++) {
      auto at = [&](int64_t ch) { return (n * channels + ch) * inner + i; };
      for (int64_t c = 0; c < channels; c++) {
        double sum = 0;
        for (int64_t k = std::max<int64_t>(c - w.before, 0);
             k <= std::min(c + w.after, channels - 1); k++)
          sum += static_cast<double>(x.data[at(k)]) * x.data[at(k)];
        d[c] = bias + alpha / size * sum;
        t[c] = static_cast<double>(dy.data[at(c)]) * x.data[at(c)] * std::pow(d[c], -beta - 1);
      }
      // Element k lies in the windows of c in [k - after, k + before].
      for (int64_t k = 0; k < channels; k++) {
        double sum = 0;
        for (int64_t c = std::max<int64_t>(k - w.after, 0);
             c <= std::min(k + w.before, channels - 1); c++)
          sum += t[c];
        out[0].data[at(k)] =
            static_cast<T>(dy.data[at(k)] * std::pow(d[k], -beta) -
                           2 * alpha * beta / size * static_cast<double>(x.data[at(k)]) * sum);
      }
    }
  return out;
}

KILN_REF_KERNEL(log_softmax_backward)
KILN_REF_KERNEL(lrn_backward)

}  // namespace kiln::reference::ops
