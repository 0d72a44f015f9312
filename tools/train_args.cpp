#include "tools/train_args.h"

#include <cstdlib>

#include "ir/errors.h"
#include "passes/eliminate_dead_nodes.h"
#include "passes/pass_manager.h"

namespace kiln::tools {

namespace {

double number(const Args &args, const std::string &name, double fallback) {
  auto v = args.get(name);
  if (!v) return fallback;
  char *end = nullptr;
  double d = std::strtod(v->c_str(), &end);
  if (v->empty() || *end) throw UserError("--" + name + " wants a number, got '" + *v + "'");
  return d;
}

}  // namespace

std::vector<OptionSpec> training_options() {
  return {
      {"train", "", "also compile a train step (NAME_train_step) and weights accessors"},
      {"loss", "L", "mse_loss, bce_loss, bce_with_logits_loss or softmax_cross_entropy (default)"},
      {"optimizer", "O", "sgd (default), momentum, nesterov, adagrad, rmsprop or adam"},
      {"lr", "X", "learning rate (default 0.01)"},
      {"lr-schedule", "S", "constant (default), step or cosine"},
      {"lr-step-size", "N", "step schedule: steps between decays (default 1)"},
      {"lr-gamma", "X", "step schedule: decay factor (default 0.1)"},
      {"lr-total-steps", "N", "cosine schedule: steps from lr to --lr-min (default 1)"},
      {"lr-min", "X", "cosine schedule: final learning rate (default 0)"},
      {"momentum", "X", "momentum and nesterov: velocity decay (default 0.9)"},
      {"weight-decay", "X", "L2 penalty added to every gradient (default 0)"},
      {"seed", "N", "dropout masks' seed (default 0)"}};
}

passes::TrainingOptions parse_training_options(const Args &args) {
  passes::TrainingOptions o;
  o.loss = args.get_or("loss", o.loss);
  o.optimizer = args.get_or("optimizer", o.optimizer);
  o.lr_attrs.set("lr", number(args, "lr", 0.01));
  o.lr_attrs.set("schedule", args.get_or("lr-schedule", "constant"));
  if (args.get("lr-step-size"))
    o.lr_attrs.set("step_size", int64_t{args.get_int("lr-step-size", 1)});
  if (args.get("lr-gamma")) o.lr_attrs.set("gamma", number(args, "lr-gamma", 0.1));
  if (args.get("lr-total-steps"))
    o.lr_attrs.set("total_steps", int64_t{args.get_int("lr-total-steps", 1)});
  if (args.get("lr-min")) o.lr_attrs.set("min_lr", number(args, "lr-min", 0));
  if (args.get("momentum")) {
    if (o.optimizer != "momentum" && o.optimizer != "nesterov")
      throw UserError("--momentum applies to --optimizer momentum or nesterov, not " + o.optimizer);
    o.optimizer_attrs.set("momentum", number(args, "momentum", 0.9));
  }
  if (args.get("weight-decay"))
    o.optimizer_attrs.set("weight_decay", number(args, "weight-decay", 0));
  o.seed = static_cast<uint32_t>(args.get_int("seed", 0));
  return o;
}

TrainingSetup prepare_training(const ir::Graph &model, const passes::TrainingOptions &options) {
  TrainingSetup s;
  s.training = passes::eliminate_dead_nodes(passes::build_training_graph(model, options).graph);
  passes::PassOptions keep_params;
  keep_params.passes = {"eliminate-identity", "fuse-epilogue", "eliminate-dead-nodes"};
  s.inference = passes::run_passes(model, keep_params);
  return s;
}

}  // namespace kiln::tools
