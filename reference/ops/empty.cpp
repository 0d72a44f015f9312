// Reference empty (ir/ops/empty.cpp): a tensor of its shape, no elements.
#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

template <typename T>
std::vector<BasicTensor<T>> empty_kernel(const ir::Node &node, const Inputs<T> &in) {
  return make_outputs(node, in);
}

KILN_REF_KERNEL(empty)

}  // namespace kiln::reference::ops
