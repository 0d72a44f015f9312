// Reference dropout while training: the mask of ir/ops/dropout_mask.h.
#include "ir/errors.h"
#include "ir/ops/dropout_mask.h"
#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

namespace {

template <typename T>
std::vector<BasicTensor<T>> masked(const ir::Node &node, const Inputs<T> &in) {
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const double rate = node.attrs.get_float("rate"), step = in[1]->data[0];
  if (step < 0 || step >= 4294967296.0 || step != static_cast<double>(static_cast<uint32_t>(step)))
    throw UserError("node '" + node.name +
                    "': the step counter must be a whole number in [0, 2^32), got " +
                    std::to_string(step));
  const auto seed = static_cast<uint32_t>(node.attrs.get_int("seed"));
  const uint32_t threshold = ir::ops::dropout_threshold(rate);
  const double scale = 1.0 / (1.0 - rate);
  for (int64_t k = 0; k < out[0].numel(); k++) {
    const uint32_t h =
        ir::ops::dropout_hash(seed, static_cast<uint32_t>(step), static_cast<uint32_t>(k));
    out[0].data[k] = (h >> 8) >= threshold ? static_cast<T>(in[0]->data[k] * scale) : T(0);
  }
  return out;
}

}  // namespace

template <typename T>
std::vector<BasicTensor<T>> dropout_train_kernel(const ir::Node &n, const Inputs<T> &in) {
  return masked(n, in);
}
template <typename T>
std::vector<BasicTensor<T>> dropout_backward_kernel(const ir::Node &n, const Inputs<T> &in) {
  return masked(n, in);
}

KILN_REF_KERNEL(dropout_train)
KILN_REF_KERNEL(dropout_backward)

}  // namespace kiln::reference::ops
