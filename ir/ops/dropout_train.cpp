// Dropout while training: y = x * keep / (1 - rate), keep from the seeded
// hash of ir/ops/dropout_mask.h at step `step` (a float32 [1] counter);
// dropout_backward applies the same mask to dy.
#include "ir/grads/grad_rules.h"
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

namespace {

OpDef masked(const std::string &name, const std::string &doc) {
  OpDef d;
  d.name = name;
  d.internal = true;
  d.doc = doc;
  d.inputs = {{"x"}, {"step"}};
  d.attrs = {{"rate", AttrKind::Float, 0.5, "probability of dropping an element"},
             {"seed", AttrKind::Int, int64_t{0}, "the mask's seed, in [0, 2^32)"}};
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    double rate = a.get_float("rate");
    if (rate < 0 || rate >= 1)
      throw UserError("rate must be in [0, 1), got " + std::to_string(rate));
    int64_t seed = a.get_int("seed");
    if (seed < 0 || seed > 0xFFFFFFFFll) throw UserError("seed must be in [0, 2^32)");
    expect_shape(in[1], {1}, "the step counter");
    return std::vector<TensorType>{in[0]};
  };
  d.cost = [](const Attrs &, const std::vector<TensorType> &, const std::vector<TensorType> &out) {
    return elementwise_cost(out, 12);
  };
  return d;
}

}  // namespace

OpDef def_dropout_train() {
  OpDef d = masked("dropout_train", "x * mask / (1 - rate), the mask seeded by (seed, step)");
  d.grad = grads::grad_dropout_train;
  return d;
}
OpDef def_dropout_backward() {
  return masked("dropout_backward", "dy * mask / (1 - rate): dropout_train's mask on dy");
}

}  // namespace kiln::ir::ops
