// Reference log_softmax (ir/ops/log_softmax.cpp), in double.
#include <algorithm>
#include <cmath>

#include "ir/ops/op_helpers.h"
#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

template <typename T>
std::vector<BasicTensor<T>> log_softmax_kernel(const ir::Node &node, const Inputs<T> &in) {
  const BasicTensor<T> &x = *in[0];
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const int axis = ir::ops::resolve_axis(node.attrs.get_int("axis"),
                                         static_cast<int>(x.shape.size()), "log_softmax");
  int64_t outer, inner;
  split_axis(x.shape, axis, &outer, &inner);
  const int64_t len = x.shape[axis];
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < inner; i++) {
      auto at = [&](int64_t k) { return (o * len + k) * inner + i; };
      double m = x.data[at(0)], sum = 0;
      for (int64_t k = 1; k < len; k++) m = std::max(m, static_cast<double>(x.data[at(k)]));
      for (int64_t k = 0; k < len; k++) sum += std::exp(x.data[at(k)] - m);
      const double log_sum = std::log(sum);
      for (int64_t k = 0; k < len; k++)
        out[0].data[at(k)] = static_cast<T>(x.data[at(k)] - m - log_sum);
    }
  return out;
}

KILN_REF_KERNEL(log_softmax)

}  // namespace kiln::reference::ops
