// Reference concat and flatten. (add: reference/ops/binary.cpp.)
#include "ir/ops/op_helpers.h"
#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

template <typename T>
std::vector<BasicTensor<T>> concat_kernel(const ir::Node &node, const Inputs<T> &in) {
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  int axis = ir::ops::resolve_axis(node.attrs.get_int("axis"), static_cast<int>(in[0]->shape.size()), "concat");
  int64_t outer, inner;
  split_axis(out[0].shape, axis, &outer, &inner);
  const int64_t out_len = out[0].shape[axis];
  int64_t start = 0;  // where this input begins along the axis
  for (const BasicTensor<T> *t : in) {
    const int64_t len = t->shape[axis];
    for (int64_t o = 0; o < outer; o++)
      for (int64_t k = 0; k < len; k++)
        for (int64_t i = 0; i < inner; i++)
          out[0].data[(o * out_len + start + k) * inner + i] = t->data[(o * len + k) * inner + i];
    start += len;
  }
  return out;
}

template <typename T>
std::vector<BasicTensor<T>> flatten_kernel(const ir::Node &node, const Inputs<T> &in) {
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  out[0].data = in[0]->data;  // row-major: flattening keeps the element order
  return out;
}

KILN_REF_KERNEL(concat)
KILN_REF_KERNEL(flatten)

}  // namespace kiln::reference::ops
