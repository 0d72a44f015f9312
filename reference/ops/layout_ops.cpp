// Reference permute and pad (ir/ops/layout_ops.cpp), over any rank.
#include <algorithm>

#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

namespace {

std::vector<int64_t> strides_of(const ir::Shape &shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (int k = static_cast<int>(shape.size()) - 2; k >= 0; k--) s[k] = s[k + 1] * shape[k + 1];
  return s;
}

// Advances a row-major multi-index over `shape`.
void next_index(std::vector<int64_t> &idx, const ir::Shape &shape) {
  for (int k = static_cast<int>(shape.size()) - 1; k >= 0; k--) {
    if (++idx[k] < shape[k]) return;
    idx[k] = 0;
  }
}

// The input index an output index `o` on an axis of `size` entries, padded
// by `before`, reads; -1 for constant padding.
int64_t source_index(int64_t o, int64_t size, int64_t before, const std::string &mode) {
  int64_t i = o - before;
  if (i >= 0 && i < size) return i;
  if (mode == "edge") return std::clamp<int64_t>(i, 0, size - 1);
  if (mode == "reflect") return i < 0 ? -i : 2 * (size - 1) - i;
  return -1;
}

}  // namespace

template <typename T>
std::vector<BasicTensor<T>> permute_kernel(const ir::Node &node, const Inputs<T> &in) {
  const BasicTensor<T> &x = *in[0];
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const std::vector<int64_t> &perm = node.attrs.get_ints("perm");
  const std::vector<int64_t> in_strides = strides_of(x.shape);
  const ir::Shape &shape = out[0].shape;
  std::vector<int64_t> idx(shape.size(), 0);
  for (int64_t k = 0; k < out[0].numel(); k++, next_index(idx, shape)) {
    int64_t from = 0;
    for (size_t d = 0; d < perm.size(); d++) from += idx[d] * in_strides[perm[d]];
    out[0].data[k] = x.data[from];
  }
  return out;
}

template <typename T>
std::vector<BasicTensor<T>> pad_kernel(const ir::Node &node, const Inputs<T> &in) {
  const BasicTensor<T> &x = *in[0];
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const std::vector<int64_t> &pads = node.attrs.get_ints("pads");
  const std::string &mode = node.attrs.get_string("mode");
  const T value = static_cast<T>(node.attrs.get_float("value"));
  const std::vector<int64_t> in_strides = strides_of(x.shape);
  const ir::Shape &shape = out[0].shape;
  std::vector<int64_t> idx(shape.size(), 0);
  for (int64_t k = 0; k < out[0].numel(); k++, next_index(idx, shape)) {
    int64_t from = 0;
    bool inside = true;
    for (size_t d = 0; d < shape.size() && inside; d++) {
      int64_t i = source_index(idx[d], x.shape[d], pads[d], mode);
      inside = i >= 0;
      from += i * in_strides[d];
    }
    out[0].data[k] = inside ? x.data[from] : value;
  }
  return out;
}

KILN_REF_KERNEL(permute)
KILN_REF_KERNEL(pad)

}  // namespace kiln::reference::ops
