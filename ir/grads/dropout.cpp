// dropout while training: the training form masks with the seeded hash of
// ir/ops/dropout_mask.h at the current step; the gradient applies the same
// mask. Each dropout node's seed is the training seed mixed with a hash of
// the node's name, so two dropout layers draw different masks.
#include "ir/grads/grad_rules.h"

namespace kiln::ir::grads {

namespace {

// FNV-1a: a stable hash of the node name.
uint32_t name_hash(const std::string &s) {
  uint32_t h = 2166136261u;
  for (unsigned char ch : s) h = (h ^ ch) * 16777619u;
  return h;
}

}  // namespace

void train_dropout(GradContext &c) {
  const uint32_t seed =
      c.options().has("seed") ? static_cast<uint32_t>(c.options().get_int("seed")) : 0;
  Attrs a;
  a.set("rate", c.attrs().get("rate"));
  a.set("seed", static_cast<int64_t>(seed ^ name_hash(c.node().name)));
  c.replace_output(0, c.emit("dropout_train", "", {c.input(0), c.step()}, a));
}

void grad_dropout_train(GradContext &c) {
  c.set_dx(0, c.emit("dropout_backward", "grad_x", {c.dy(), c.input(1)}, c.attrs()));
}

}  // namespace kiln::ir::grads
