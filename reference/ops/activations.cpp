// Reference activations: the scalar activations (elementwise, in double, by
// the formulas of reference/ops/scalar_activations.cpp) and softmax along an
// axis (max-subtracted).
#include <algorithm>
#include <cmath>

#include "ir/ops/op_helpers.h"
#include "reference/ops/ref_util.h"
#include "reference/ops/scalar_activations.h"

namespace kiln::reference::ops {

namespace {

// Any scalar activation, by its op name, in T (float32 or float64).
template <typename T>
std::vector<BasicTensor<T>> scalar_kernel(const ir::Node &node, const Inputs<T> &in) {
  const ScalarFn f = scalar_activation(node.op, node.attrs);
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  for (int64_t k = 0; k < in[0]->numel(); k++)
    out[0].data[k] = static_cast<T>(f(static_cast<double>(in[0]->data[k])));
  return out;
}

}  // namespace

// The scalar activations, each by its formula in
// reference/ops/scalar_activations.cpp, in float32 and float64.
#define KILN_REF_SCALAR(NAME)                                                          \
  namespace {                                                                          \
  template <typename T>                                                                \
  std::vector<BasicTensor<T>> NAME##_kernel(const ir::Node &n, const Inputs<T> &in) { \
    return scalar_kernel<T>(n, in);                                                    \
  }                                                                                    \
  }                                                                                    \
  KILN_REF_KERNEL(NAME)
KILN_REF_SCALAR(relu)
KILN_REF_SCALAR(sigmoid)
KILN_REF_SCALAR(tanh)
KILN_REF_SCALAR(elu)
KILN_REF_SCALAR(selu)
KILN_REF_SCALAR(swish)
KILN_REF_SCALAR(mish)
KILN_REF_SCALAR(softplus)
KILN_REF_SCALAR(leaky_relu)
KILN_REF_SCALAR(relu6)
KILN_REF_SCALAR(hard_sigmoid)
KILN_REF_SCALAR(hard_swish)
KILN_REF_SCALAR(softsign)
KILN_REF_SCALAR(clip)
#undef KILN_REF_SCALAR

template <typename T>
std::vector<BasicTensor<T>> softmax_kernel(const ir::Node &node, const Inputs<T> &in) {
  const BasicTensor<T> &x = *in[0];
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  int axis = ir::ops::resolve_axis(node.attrs.get_int("axis"), static_cast<int>(x.shape.size()), "softmax");
  int64_t outer, inner;
  split_axis(x.shape, axis, &outer, &inner);
  const int64_t len = x.shape[axis];
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < inner; i++) {
      auto at = [&](int64_t k) { return (o * len + k) * inner + i; };
      double m = x.data[at(0)], sum = 0;
      for (int64_t k = 1; k < len; k++) m = std::max(m, static_cast<double>(x.data[at(k)]));
      for (int64_t k = 0; k < len; k++) sum += std::exp(x.data[at(k)] - m);
      for (int64_t k = 0; k < len; k++) out[0].data[at(k)] = static_cast<T>(std::exp(x.data[at(k)] - m) / sum);
    }
  return out;
}

KILN_REF_KERNEL(softmax)

}  // namespace kiln::reference::ops
