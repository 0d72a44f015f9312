// Reference dropout at inference: the identity.
#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

template <typename T>
std::vector<BasicTensor<T>> dropout_kernel(const ir::Node &node, const Inputs<T> &in) {
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  out[0].data = in[0]->data;
  return out;
}

KILN_REF_KERNEL(dropout)

}  // namespace kiln::reference::ops
