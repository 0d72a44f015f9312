// dropout: zeroes inputs with probability `rate` while training; at inference
// (all kiln does today) it is the identity, and eliminate-identity removes it.
#include "ir/grads/grad_rules.h"
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef def_dropout() {
  OpDef d;
  d.name = "dropout";
  d.doc = "identity at inference; drops inputs with probability `rate` in training";
  d.inputs = {{"x"}};
  d.attrs = {{"rate", AttrKind::Float, 0.5, "probability of dropping an input in training"}};
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    double rate = a.get_float("rate");
    if (rate < 0 || rate >= 1) throw UserError("rate must be in [0, 1), got " + std::to_string(rate));
    return std::vector<TensorType>{in[0]};
  };
  d.cost = [](const Attrs &, const std::vector<TensorType> &, const std::vector<TensorType> &) { return Cost{}; };
  d.train_forward = grads::train_dropout;
  return d;
}

}  // namespace kiln::ir::ops
