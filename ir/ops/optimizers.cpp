// Optimizer updates and the learning-rate schedule (docs/training.md has the
// formulas). Every update reads (param, grad, lr, state...) and outputs the
// new param and the new state; autodiff binds them to the parameters they
// replace (Graph::updates). lr is a [1] tensor from a learning_rate node;
// weight_decay adds weight_decay * param to the gradient (L2, as torch.optim).
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

namespace {

AttrSpec weight_decay() {
  return {"weight_decay", AttrKind::Float, 0.0,
          "L2 penalty: adds weight_decay * param to the gradient"};
}

// An update over param, grad, lr and `state` tensors shaped like param,
// then `scalars` [1] inputs; outputs param and each state.
OpDef update(const std::string &name, const std::string &doc, std::vector<std::string> state,
             std::vector<std::string> scalars, int64_t flops) {
  OpDef d;
  d.name = name;
  d.internal = true;
  d.doc = doc;
  d.inputs = {{"param"}, {"grad"}, {"lr"}};
  for (const auto &s : state) d.inputs.push_back({s});
  for (const auto &s : scalars) d.inputs.push_back({s});
  const size_t num_state = state.size();
  d.infer = [num_state, state, scalars](const Attrs &a, const std::vector<TensorType> &in) {
    expect_shape(in[1], in[0].shape, "the gradient");
    expect_shape(in[2], {1}, "the learning rate");
    for (size_t k = 0; k < num_state; k++) expect_shape(in[3 + k], in[0].shape, state[k]);
    for (size_t k = 0; k < scalars.size(); k++)
      expect_shape(in[3 + num_state + k], {1}, scalars[k]);
    for (const auto &[n, v] : a.all())
      if (a.get_float(n) < 0) throw UserError(n + " must not be negative");
    return std::vector<TensorType>(1 + num_state, in[0]);
  };
  d.cost = [flops](const Attrs &, const std::vector<TensorType> &in,
                   const std::vector<TensorType> &) { return elementwise_cost({in[0]}, flops); };
  return d;
}

}  // namespace

OpDef def_sgd_update() {
  OpDef d = update("sgd_update", "p - lr g", {}, {}, 2);
  d.attrs = {weight_decay()};
  return d;
}

OpDef def_momentum_update() {
  OpDef d = update("momentum_update",
                   "v = momentum v + g; p - lr v, or with nesterov p - lr (g + momentum v)",
                   {"velocity"}, {}, 5);
  d.attrs = {{"momentum", AttrKind::Float, 0.9, "velocity decay"},
             {"nesterov", AttrKind::Bool, int64_t{0}, "Nesterov momentum"},
             weight_decay()};
  return d;
}

OpDef def_adagrad_update() {
  OpDef d = update("adagrad_update", "s + g^2; p - lr g / (sqrt(s) + epsilon)", {"sum_sq"}, {}, 6);
  d.attrs = {{"epsilon", AttrKind::Float, 1e-10, "added to the denominator"}, weight_decay()};
  return d;
}

OpDef def_rmsprop_update() {
  OpDef d = update("rmsprop_update", "s = rho s + (1 - rho) g^2; p - lr g / (sqrt(s) + epsilon)",
                   {"mean_sq"}, {}, 7);
  d.attrs = {{"rho", AttrKind::Float, 0.99, "decay of the squared-gradient average"},
             {"epsilon", AttrKind::Float, 1e-8, "added to the denominator"},
             weight_decay()};
  return d;
}

OpDef def_adam_update() {
  OpDef d =
      update("adam_update", "Adam with bias correction at t = step + 1", {"m", "v"}, {"step"}, 12);
  d.attrs = {{"beta1", AttrKind::Float, 0.9, "decay of the gradient average"},
             {"beta2", AttrKind::Float, 0.999, "decay of the squared-gradient average"},
             {"epsilon", AttrKind::Float, 1e-8, "added to the denominator"},
             weight_decay()};
  return d;
}

OpDef def_learning_rate() {
  OpDef d;
  d.name = "learning_rate";
  d.internal = true;
  d.doc = "the learning rate at step `step`: constant, step decay or cosine";
  d.inputs = {{"step"}};
  d.attrs = {
      {"lr", AttrKind::Float, std::nullopt, "the base learning rate"},
      {"schedule",
       AttrKind::String,
       std::string("constant"),
       "how it changes with the step",
       {"constant", "step", "cosine"}},
      {"step_size", AttrKind::Int, int64_t{1}, "step: multiply by gamma every step_size steps"},
      {"gamma", AttrKind::Float, 0.1, "step: the decay factor"},
      {"total_steps", AttrKind::Int, int64_t{1}, "cosine: steps from lr to min_lr"},
      {"min_lr", AttrKind::Float, 0.0, "cosine: the final learning rate"},
  };
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    expect_shape(in[0], {1}, "the step counter");
    if (a.get_float("lr") < 0) throw UserError("lr must not be negative");
    if (a.get_int("step_size") <= 0) throw UserError("step_size must be positive");
    if (a.get_int("total_steps") <= 0) throw UserError("total_steps must be positive");
    return std::vector<TensorType>{{DType::F32, {1}}};
  };
  d.cost = [](const Attrs &, const std::vector<TensorType> &, const std::vector<TensorType> &) {
    return Cost{};
  };
  return d;
}

}  // namespace kiln::ir::ops
