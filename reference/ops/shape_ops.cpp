// Reference slice, reshape and transpose.
#include "ir/ops/op_helpers.h"
#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

template <typename T>
std::vector<BasicTensor<T>> slice_kernel(const ir::Node &node, const Inputs<T> &in) {
  const BasicTensor<T> &x = *in[0];
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const int axis =
      ir::ops::resolve_axis(node.attrs.get_int("axis"), static_cast<int>(x.shape.size()), "slice");
  const int64_t start = node.attrs.get_int("start"), length = node.attrs.get_int("length");
  const int64_t step = node.attrs.has("step") ? node.attrs.get_int("step") : 1;
  int64_t outer, inner;
  split_axis(x.shape, axis, &outer, &inner);
  const int64_t len = x.shape[axis];
  for (int64_t o = 0; o < outer; o++)
    for (int64_t k = 0; k < length; k++)
      for (int64_t i = 0; i < inner; i++)
        out[0].data[(o * length + k) * inner + i] =
            x.data[(o * len + start + k * step) * inner + i];
  return out;
}

template <typename T>
std::vector<BasicTensor<T>> reshape_kernel(const ir::Node &node, const Inputs<T> &in) {
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  out[0].data = in[0]->data;
  return out;
}

template <typename T>
std::vector<BasicTensor<T>> transpose_kernel(const ir::Node &node, const Inputs<T> &in) {
  const BasicTensor<T> &x = *in[0];
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const int64_t rows = x.shape[0], cols = x.shape[1];
  for (int64_t r = 0; r < rows; r++)
    for (int64_t c = 0; c < cols; c++) out[0].data[c * rows + r] = x.data[r * cols + c];
  return out;
}

KILN_REF_KERNEL(slice)
KILN_REF_KERNEL(reshape)
KILN_REF_KERNEL(transpose)

}  // namespace kiln::reference::ops
