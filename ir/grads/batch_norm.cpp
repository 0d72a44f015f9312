// batch_norm while training: the training form normalizes with the batch's
// statistics and updates the running mean and (unbiased) variance with
// momentum; the gradient rule is batch_norm_backward.
#include "ir/errors.h"
#include "ir/grads/grad_rules.h"

namespace kiln::ir::grads {

void train_batch_norm(GradContext &c) {
  const int x = c.input(0), mean = c.input(3), var = c.input(4);
  const int64_t per_channel = c.type(x).numel() / c.shape(x)[1];
  if (per_channel < 2)
    throw UserError("node '" + c.node().name +
                    "': batch normalization needs more than one value per channel to train "
                    "(batch statistics of a batch of one)");
  Attrs eps;
  eps.set("epsilon", c.attrs().get("epsilon"));
  std::vector<int> out = c.emit_all("batch_norm_train", "", {x, c.input(1), c.input(2)}, eps);
  c.replace_output(0, out[0]);
  const double momentum =
      c.options().has("batch_norm_momentum") ? c.options().get_float("batch_norm_momentum") : 0.1;
  Attrs m;
  m.set("momentum", momentum);
  m.set("scale", 1.0);
  c.add_update(mean, c.emit("running_stat_update", "running_mean", {mean, out[1]}, m));
  // PyTorch keeps the unbiased variance: M / (M - 1) times the batch's.
  m.set("scale", static_cast<double>(per_channel) / static_cast<double>(per_channel - 1));
  c.add_update(var, c.emit("running_stat_update", "running_var", {var, out[2]}, m));
}

void grad_batch_norm_train(GradContext &c) {
  if (c.dy(1) >= 0 || c.dy(2) >= 0)
    throw UserError("node '" + c.node().name +
                    "': kiln does not differentiate through batch statistics used elsewhere");
  Attrs eps;
  eps.set("epsilon", c.attrs().get("epsilon"));
  std::vector<int> g = c.emit_all("batch_norm_backward", "grad",
                                  {c.dy(), c.input(0), c.input(1), c.output(1), c.output(2)}, eps);
  for (size_t k = 0; k < 3; k++)
    if (c.needs(k)) c.set_dx(k, g[k]);
}

}  // namespace kiln::ir::grads
