// Reference elementwise binary ops with numpy broadcasting (add, sub, mul,
// div, prelu) and scale_channels, in double.
#include <algorithm>
#include <functional>

#include "ir/ops/broadcast.h"
#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

namespace {

// The row-major strides of `in` padded to the output's rank, 0 along the
// dimensions it is broadcast in.
std::vector<int64_t> broadcast_strides(const ir::Shape &in, const ir::Shape &out) {
  const int rank = static_cast<int>(out.size());
  const ir::Shape padded = ir::ops::pad_to_rank(in, rank);
  std::vector<int64_t> strides(rank, 0);
  int64_t stride = 1;
  for (int d = rank - 1; d >= 0; d--) {
    strides[d] = padded[d] == 1 ? 0 : stride;
    stride *= padded[d];
  }
  return strides;
}

template <typename T>
std::vector<BasicTensor<T>> binary(const ir::Node &node, const Inputs<T> &in,
                                   const std::function<double(double, double)> &f) {
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const ir::Shape &shape = out[0].shape;
  const int rank = static_cast<int>(shape.size());
  const std::vector<int64_t> sa = broadcast_strides(in[0]->shape, shape),
                             sb = broadcast_strides(in[1]->shape, shape);
  std::vector<int64_t> index(rank, 0);
  int64_t ia = 0, ib = 0;  // the flat positions of `index` in a and b
  for (int64_t k = 0; k < out[0].numel(); k++) {
    out[0].data[k] = static_cast<T>(f(in[0]->data[ia], in[1]->data[ib]));
    // Advance the multi-index like an odometer, keeping ia and ib in step.
    for (int d = rank - 1; d >= 0; d--) {
      ia += sa[d];
      ib += sb[d];
      if (++index[d] < shape[d]) break;
      ia -= sa[d] * shape[d];
      ib -= sb[d] * shape[d];
      index[d] = 0;
    }
  }
  return out;
}

template <typename T>
std::vector<BasicTensor<T>> add_kernel(const ir::Node &n, const Inputs<T> &in) {
  return binary(n, in, [](double a, double b) { return a + b; });
}
template <typename T>
std::vector<BasicTensor<T>> sub_kernel(const ir::Node &n, const Inputs<T> &in) {
  return binary(n, in, [](double a, double b) { return a - b; });
}
template <typename T>
std::vector<BasicTensor<T>> mul_kernel(const ir::Node &n, const Inputs<T> &in) {
  return binary(n, in, [](double a, double b) { return a * b; });
}
template <typename T>
std::vector<BasicTensor<T>> div_kernel(const ir::Node &n, const Inputs<T> &in) {
  return binary(n, in, [](double a, double b) { return a / b; });
}

template <typename T>
std::vector<BasicTensor<T>> prelu_kernel(const ir::Node &n, const Inputs<T> &in) {
  return binary(n, in, [](double x, double slope) { return x >= 0 ? x : slope * x; });
}

template <typename T>
std::vector<BasicTensor<T>> scale_channels_kernel(const ir::Node &node, const Inputs<T> &in) {
  const BasicTensor<T> &x = *in[0], &s = *in[1];
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const int64_t planes = x.shape[0] * x.shape[1], inner = x.numel() / std::max<int64_t>(planes, 1);
  for (int64_t p = 0; p < planes; p++)
    for (int64_t i = 0; i < inner; i++)
      out[0].data[p * inner + i] =
          static_cast<T>(static_cast<double>(x.data[p * inner + i]) * s.data[p]);
  return out;
}

}  // namespace

KILN_REF_KERNEL(add)
KILN_REF_KERNEL(sub)
KILN_REF_KERNEL(mul)
KILN_REF_KERNEL(div)
KILN_REF_KERNEL(prelu)
KILN_REF_KERNEL(scale_channels)

}  // namespace kiln::reference::ops
