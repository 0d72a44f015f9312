// Reference backward of the activations, from the forward output y.
#include "ir/ops/op_helpers.h"
#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

namespace {

template <typename T, typename F>
std::vector<BasicTensor<T>> from_output(const ir::Node &node, const Inputs<T> &in, F f) {
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  for (int64_t k = 0; k < in[0]->numel(); k++)
    out[0].data[k] =
        static_cast<T>(f(static_cast<double>(in[0]->data[k]), static_cast<double>(in[1]->data[k])));
  return out;
}

}  // namespace

template <typename T>
std::vector<BasicTensor<T>> relu_backward_kernel(const ir::Node &n, const Inputs<T> &in) {
  return from_output(n, in, [](double dy, double y) { return y > 0 ? dy : 0.0; });
}
template <typename T>
std::vector<BasicTensor<T>> sigmoid_backward_kernel(const ir::Node &n, const Inputs<T> &in) {
  return from_output(n, in, [](double dy, double y) { return dy * y * (1 - y); });
}
template <typename T>
std::vector<BasicTensor<T>> tanh_backward_kernel(const ir::Node &n, const Inputs<T> &in) {
  return from_output(n, in, [](double dy, double y) { return dy * (1 - y * y); });
}

template <typename T>
std::vector<BasicTensor<T>> softmax_backward_kernel(const ir::Node &node, const Inputs<T> &in) {
  const BasicTensor<T> &dy = *in[0], &y = *in[1];
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  int axis = ir::ops::resolve_axis(node.attrs.get_int("axis"), static_cast<int>(y.shape.size()),
                                   "softmax_backward");
  int64_t outer, inner;
  split_axis(y.shape, axis, &outer, &inner);
  const int64_t len = y.shape[axis];
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < inner; i++) {
      auto at = [&](int64_t k) { return (o * len + k) * inner + i; };
      double dot = 0;
      for (int64_t k = 0; k < len; k++) dot += static_cast<double>(dy.data[at(k)]) * y.data[at(k)];
      for (int64_t k = 0; k < len; k++)
        out[0].data[at(k)] = static_cast<T>(y.data[at(k)] * (dy.data[at(k)] - dot));
    }
  return out;
}

KILN_REF_KERNEL(relu_backward)
KILN_REF_KERNEL(sigmoid_backward)
KILN_REF_KERNEL(tanh_backward)
KILN_REF_KERNEL(softmax_backward)

}  // namespace kiln::reference::ops
