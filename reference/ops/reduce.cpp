// Reference reduce_mean (ir/ops/reduce.cpp): sums in double over the
// consecutive axes, seen as [outer, reduced, inner].
#include "ir/ops/op_helpers.h"
#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

template <typename T>
std::vector<BasicTensor<T>> reduce_mean_kernel(const ir::Node &node, const Inputs<T> &in) {
  const BasicTensor<T> &x = *in[0];
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const std::vector<int64_t> &axes = node.attrs.get_ints("axes");
  const int rank = static_cast<int>(x.shape.size());
  const int first = ir::ops::resolve_axis(axes.front(), rank, "reduce_mean");
  const int last = ir::ops::resolve_axis(axes.back(), rank, "reduce_mean");
  int64_t outer = 1, reduced = 1, inner = 1;
  for (int d = 0; d < rank; d++) (d < first ? outer : d <= last ? reduced : inner) *= x.shape[d];
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < inner; i++) {
      double sum = 0;
      for (int64_t r = 0; r < reduced; r++) sum += x.data[(o * reduced + r) * inner + i];
      out[0].data[o * inner + i] = static_cast<T>(sum / static_cast<double>(reduced));
    }
  return out;
}

KILN_REF_KERNEL(reduce_mean)

}  // namespace kiln::reference::ops
