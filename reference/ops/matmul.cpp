// Reference matmul (ir/ops/matmul.cpp): each output element a dot product
// summed in double, the batch dimensions broadcast.
#include "ir/ops/broadcast.h"
#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

namespace {

// The flat index of batch `b` of `out_batch` in a batch shape `in_batch`
// (same rank; dimensions of size 1 broadcast).
int64_t batch_offset(int64_t b, const ir::Shape &out_batch, const ir::Shape &in_batch) {
  int64_t offset = 0, stride = 1;
  for (int d = static_cast<int>(out_batch.size()) - 1; d >= 0; d--) {
    const int64_t coordinate = b % out_batch[d];
    b /= out_batch[d];
    if (in_batch[d] != 1) offset += coordinate * stride;
    stride *= in_batch[d];
  }
  return offset;
}

}  // namespace

template <typename T>
std::vector<BasicTensor<T>> matmul_kernel(const ir::Node &node, const Inputs<T> &in) {
  const BasicTensor<T> &a = *in[0], &b = *in[1];
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const ir::Shape &os = out[0].shape;
  const int rank = static_cast<int>(os.size());
  const int64_t m = os[rank - 2], n = os[rank - 1], k = a.shape.back();
  const ir::Shape out_batch(os.begin(), os.end() - 2);
  const ir::Shape a_batch =
      ir::ops::pad_to_rank(ir::Shape(a.shape.begin(), a.shape.end() - 2), rank - 2);
  const ir::Shape b_batch =
      ir::ops::pad_to_rank(ir::Shape(b.shape.begin(), b.shape.end() - 2), rank - 2);
  for (int64_t batch = 0; batch < ir::numel(out_batch); batch++) {
    const T *pa = a.data.data() + batch_offset(batch, out_batch, a_batch) * m * k;
    const T *pb = b.data.data() + batch_offset(batch, out_batch, b_batch) * k * n;
    T *po = out[0].data.data() + batch * m * n;
    for (int64_t i = 0; i < m; i++)
      for (int64_t j = 0; j < n; j++) {
        double s = 0;
        for (int64_t t = 0; t < k; t++) s += static_cast<double>(pa[i * k + t]) * pb[t * n + j];
        po[i * n + j] = static_cast<T>(s);
      }
  }
  return out;
}

KILN_REF_KERNEL(matmul)

}  // namespace kiln::reference::ops
