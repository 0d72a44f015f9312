// Reference sum_to_shape and broadcast_to (ir/ops/broadcast_grads.cpp), in
// double: one walk over the larger (broadcast) shape, reading or summing into
// the smaller one through strides that are 0 where it is broadcast.
#include "ir/ops/broadcast.h"
#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

namespace {

// For every element of `big`, in row-major order, f(flat index in big,
// flat index in `small`, which broadcasts to big).
template <typename F>
void for_each_broadcast(const ir::Shape &small, const ir::Shape &big, F f) {
  const int rank = static_cast<int>(big.size());
  const ir::Shape padded = ir::ops::pad_to_rank(small, rank);
  std::vector<int64_t> strides(rank, 0), index(rank, 0);
  int64_t stride = 1;
  for (int d = rank - 1; d >= 0; d--) {
    strides[d] = padded[d] == 1 ? 0 : stride;
    stride *= padded[d];
  }
  int64_t s = 0;
  for (int64_t k = 0; k < ir::numel(big); k++) {
    f(k, s);
    for (int d = rank - 1; d >= 0; d--) {
      s += strides[d];
      if (++index[d] < big[d]) break;
      s -= strides[d] * big[d];
      index[d] = 0;
    }
  }
}

}  // namespace

template <typename T>
std::vector<BasicTensor<T>> sum_to_shape_kernel(const ir::Node &node, const Inputs<T> &in) {
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const double scale = node.attrs.get_float("scale");
  std::vector<double> sum(out[0].numel(), 0.0);
  for_each_broadcast(out[0].shape, in[0]->shape,
                     [&](int64_t big, int64_t small) { sum[small] += in[0]->data[big]; });
  for (int64_t k = 0; k < out[0].numel(); k++) out[0].data[k] = static_cast<T>(scale * sum[k]);
  return out;
}

template <typename T>
std::vector<BasicTensor<T>> broadcast_to_kernel(const ir::Node &node, const Inputs<T> &in) {
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const double scale = node.attrs.get_float("scale");
  for_each_broadcast(in[0]->shape, out[0].shape, [&](int64_t big, int64_t small) {
    out[0].data[big] = static_cast<T>(scale * in[0]->data[small]);
  });
  return out;
}

KILN_REF_KERNEL(sum_to_shape)
KILN_REF_KERNEL(broadcast_to)

}  // namespace kiln::reference::ops
