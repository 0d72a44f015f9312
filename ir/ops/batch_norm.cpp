// batch_norm (inference): y = gamma * (x - mean) / sqrt(var + epsilon) + beta
// per channel (axis 1) of an input of rank 2 or more.
#include "ir/grads/grad_rules.h"
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef def_batch_norm() {
  OpDef d;
  d.name = "batch_norm";
  d.doc = "batch normalization with running statistics (inference)";
  // The running statistics are buffers, not trainable parameters.
  d.inputs = {{"x"},
              {"gamma", true},
              {"beta", true},
              {"mean", true, false, false, /*trainable=*/false},
              {"var", true, false, false, /*trainable=*/false}};
  d.attrs = {{"epsilon", AttrKind::Float, 1e-5, "added to the variance"}};
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    if (in[0].rank() < 2) throw UserError("the input needs a channel axis (rank >= 2)");
    if (a.get_float("epsilon") < 0) throw UserError("epsilon must not be negative");
    const char *names[] = {"gamma", "beta", "mean", "var"};
    for (int k = 1; k < 5; k++) expect_shape(in[k], {in[0].shape[1]}, names[k - 1]);
    return std::vector<TensorType>{in[0]};
  };
  d.params = [](const Attrs &, const TensorType &x) {
    Shape c = {x.rank() >= 2 ? x.shape[1] : 0};
    return std::vector<ParamSpec>{{"gamma", c, InitKind::Ones},
                                  {"beta", c, InitKind::Zeros},
                                  {"mean", c, InitKind::Zeros},
                                  {"var", c, InitKind::Ones}};
  };
  d.cost = [](const Attrs &, const std::vector<TensorType> &,
              const std::vector<TensorType> &out) { return elementwise_cost(out, 2); };
  d.train_forward = grads::train_batch_norm;
  return d;
}

}  // namespace kiln::ir::ops
