// Reference conv2d_dw_pw (ir/ops/conv_dw_pw.h): exactly the two conv2d nodes
// it replaces, run one after the other through conv2d's own reference
// kernel, the depthwise result stored in the element type between them as
// the unfused graph stores it.
#include "ir/ops/conv_dw_pw.h"

#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

template <typename T>
std::vector<BasicTensor<T>> conv2d_dw_pw_kernel(const ir::Node &node, const Inputs<T> &in) {
  const ir::ops::DwPwConvs convs = ir::ops::split_dw_pw(node.attrs, in[0]->shape[1]);
  const ir::Node dw{node.name + "/depthwise", "conv2d", {}, {}, convs.depthwise};
  const ir::Node pw{node.name + "/pointwise", "conv2d", {}, {}, convs.pointwise};
  std::vector<BasicTensor<T>> mid = run_node(dw, Inputs<T>{in[0], in[1], in[2]});
  Inputs<T> pw_in = {&mid[0], in[3], in[4]};
  if (in.size() > 5) pw_in.push_back(in[5]);
  return run_node(pw, pw_in);
}

KILN_REF_KERNEL(conv2d_dw_pw)

}  // namespace kiln::reference::ops
