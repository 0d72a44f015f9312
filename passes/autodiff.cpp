#include "passes/autodiff.h"

#include <algorithm>

#include "ir/errors.h"
#include "ir/grad.h"
#include "ir/op.h"

namespace kiln::passes {

namespace {

// `base`, or base.2, base.3, ...: the first name no node or value has.
std::string unique_name(const ir::Graph &g, const std::string &base) {
  std::string name = base;
  for (int k = 2; g.find_node(name) >= 0 || g.find_value(name) >= 0; k++)
    name = base + "." + std::to_string(k);
  return name;
}

ir::Attrs rule_options(const TrainingOptions &o) {
  ir::Attrs a;
  a.set("batch_norm_momentum", o.batch_norm_momentum);
  a.set("seed", static_cast<int64_t>(o.seed));
  return a;
}

// The gradients reaching each value, summed on first use.
class GradientSums {
 public:
  explicit GradientSums(ir::Graph &g) : g_(g) {}
  void add(int value, int gradient) { parts_[value].push_back(gradient); }
  bool has(int value) const { return parts_.count(value) != 0; }
  // The total gradient of `value` (one add node per extra contribution), or -1.
  int total(int value) {
    auto it = parts_.find(value);
    if (it == parts_.end()) return -1;
    std::vector<int> &p = it->second;
    while (p.size() > 1) {
      std::string name = unique_name(g_, g_.value(value).name + "/grad_sum");
      int id = g_.add_node("add", name, {p[0], p[1]}, {});
      p.erase(p.begin(), p.begin() + 2);
      p.insert(p.begin(), g_.node(id).outputs[0]);
    }
    return p[0];
  }

 private:
  ir::Graph &g_;
  std::map<int, std::vector<int>> parts_;
};

}  // namespace

const std::map<std::string, std::string> &optimizer_ops() {
  static const std::map<std::string, std::string> ops = {
      {"sgd", "sgd_update"},           {"momentum", "momentum_update"},
      {"nesterov", "momentum_update"}, {"adagrad", "adagrad_update"},
      {"rmsprop", "rmsprop_update"},   {"adam", "adam_update"},
  };
  return ops;
}

ir::Graph training_forms(const ir::Graph &g, const TrainingOptions &options, int *step) {
  ir::Graph out;
  out.name = g.name;
  std::vector<int> remap(g.values.size(), -1);
  for (int id : g.inputs) remap[id] = out.add_input(g.value(id).name, g.value(id).type);
  for (int id : g.param_ids()) {
    out.values.push_back(g.value(id));  // the data is shared, not copied
    remap[id] = static_cast<int>(out.values.size()) - 1;
  }
  *step = out.add_param(unique_name(g, "train.step"), {ir::DType::F32, {1}}, {0.0f});
  for (const ir::Node &n : g.nodes) {
    std::vector<int> inputs;
    for (int v : n.inputs) inputs.push_back(remap[v]);
    const ir::OpDef &def = ir::get_op(n.op);
    if (!def.train_forward) {
      int id = out.add_node(n.op, n.name, inputs, n.attrs);
      for (size_t k = 0; k < n.outputs.size(); k++) remap[n.outputs[k]] = out.node(id).outputs[k];
      continue;
    }
    ir::Node copy = n;
    copy.inputs = inputs;
    copy.outputs.assign(n.outputs.size(), -1);
    ir::GradContext c(out, copy, {}, {}, *step);
    c.set_options(rule_options(options));
    def.train_forward(c);
    for (size_t k = 0; k < n.outputs.size(); k++) {
      if (c.replacements()[k] < 0)
        throw InternalError("the training form of '" + n.op + "' gave no value for output " +
                            std::to_string(k) + " of node '" + n.name + "'");
      remap[n.outputs[k]] = c.replacements()[k];
    }
  }
  for (int id : g.outputs) out.outputs.push_back(remap[id]);
  for (const ir::Update &u : g.updates) out.updates.push_back({remap[u.param], remap[u.value]});
  return out;
}

int append_loss(ir::Graph &g, const std::string &loss, int prediction, int *labels) {
  static const std::set<std::string> losses = {"mse_loss", "bce_loss", "bce_with_logits_loss",
                                               "softmax_cross_entropy"};
  if (!losses.count(loss))
    throw UserError("unknown loss '" + loss +
                    "' (known: mse_loss, bce_loss, bce_with_logits_loss, softmax_cross_entropy)");
  int pred = prediction;
  ir::TensorType label_type = g.value(pred).type;
  if (loss == "softmax_cross_entropy") {
    // A final softmax is part of the loss: differentiate from its input.
    const int producer = g.value(pred).producer;
    if (producer >= 0 && g.node(producer).op == "softmax") {
      const ir::Node &sm = g.node(producer);
      const int rank = g.value(pred).type.rank();
      const int64_t axis = sm.attrs.get_int("axis");
      if (axis == -1 || axis == rank - 1) pred = sm.inputs[0];
    }
    const ir::TensorType &t = g.value(pred).type;
    if (t.rank() != 2)
      throw UserError(
          "softmax_cross_entropy needs [batch, classes] logits, but the model's output '" +
          g.value(prediction).name + "' is " + ir::shape_str(t.shape));
    label_type = {ir::DType::F32, {t.shape[0]}};
  }
  *labels = g.add_input(unique_name(g, "labels"), label_type);
  int node = g.add_node(loss, unique_name(g, "loss"), {pred, *labels}, {});
  g.outputs = {g.node(node).outputs[0]};
  return node;
}

std::map<int, int> append_gradients(ir::Graph &g, int loss_node, const std::set<int> &wrt,
                                    const ir::Attrs &options) {
  const size_t last = static_cast<size_t>(loss_node);
  // Values that depend on `wrt` (forward) and that the loss depends on (backward).
  std::vector<bool> reached(g.values.size(), false), leads(g.values.size(), false);
  for (int v : wrt) reached.at(v) = true;
  for (size_t i = 0; i <= last; i++) {
    bool any = false;
    for (int v : g.nodes[i].inputs) any = any || reached[v];
    if (any)
      for (int v : g.nodes[i].outputs) reached[v] = true;
  }
  leads[g.nodes[last].outputs[0]] = true;
  for (size_t i = last + 1; i-- > 0;) {
    bool any = false;
    for (int v : g.nodes[i].outputs) any = any || leads[v];
    if (any)
      for (int v : g.nodes[i].inputs) leads[v] = true;
  }

  GradientSums sums(g);
  for (size_t i = last + 1; i-- > 0;) {
    const ir::Node n = g.nodes[i];  // a copy: rules grow g.nodes
    std::vector<int> dy;
    bool any_dy = i == last;
    for (int v : n.outputs) {
      dy.push_back(sums.total(v));
      any_dy = any_dy || dy.back() >= 0;
    }
    std::vector<bool> needs;
    bool any_needed = false;
    for (int v : n.inputs) {
      needs.push_back(reached[v] && leads[v]);
      any_needed = any_needed || needs.back();
    }
    if (!any_dy || !any_needed) continue;
    const ir::OpDef &def = ir::get_op(n.op);
    if (!def.grad)
      throw UserError("no gradient rule for op '" + n.op + "' (node '" + n.name +
                      "'): kiln cannot train through this op yet");
    ir::GradContext c(g, n, dy, needs, -1);
    c.set_options(options);
    if (i == last) c.set_seed(0);
    def.grad(c);
    for (size_t k = 0; k < n.inputs.size(); k++) {
      if (!needs[k]) continue;
      if (c.dx()[k] < 0)
        throw InternalError("the gradient rule of '" + n.op + "' gave no gradient for input " +
                            std::to_string(k) + " of node '" + n.name + "'");
      sums.add(n.inputs[k], c.dx()[k]);
    }
  }
  std::map<int, int> result;
  for (int v : wrt)
    if (sums.has(v)) result[v] = sums.total(v);
  return result;
}

std::set<int> trainable_params(const ir::Graph &g) {
  std::set<int> params;
  for (const ir::Node &n : g.nodes) {
    const ir::OpDef &def = ir::get_op(n.op);
    for (size_t k = 0; k < n.inputs.size() && !def.inputs.empty(); k++) {
      const ir::InputSpec &spec = def.inputs[std::min(k, def.inputs.size() - 1)];
      if (spec.is_param && spec.trainable && g.value(n.inputs[k]).kind == ir::ValueKind::Param)
        params.insert(n.inputs[k]);
    }
  }
  return params;
}

TrainingGraph build_training_graph(const ir::Graph &g, const TrainingOptions &options) {
  if (g.outputs.size() != 1)
    throw UserError("training needs a model with one output (the prediction); '" + g.name +
                    "' has " + std::to_string(g.outputs.size()));
  auto op_it = optimizer_ops().find(options.optimizer);
  if (op_it == optimizer_ops().end()) {
    std::string known;
    for (const auto &[name, op] : optimizer_ops()) known += (known.empty() ? "" : ", ") + name;
    throw UserError("unknown optimizer '" + options.optimizer + "' (known: " + known + ")");
  }
  std::set<std::string> trainable;
  for (int id : trainable_params(g)) trainable.insert(g.value(id).name);

  TrainingGraph t;
  t.graph = training_forms(g, options, &t.step);
  ir::Graph &tg = t.graph;
  const int loss_node = append_loss(tg, options.loss, tg.outputs[0], &t.labels);
  t.loss = tg.node(loss_node).outputs[0];
  std::set<int> wrt;
  for (int id : tg.param_ids())
    if (trainable.count(tg.value(id).name)) wrt.insert(id);
  t.gradients = append_gradients(tg, loss_node, wrt, rule_options(options));
  if (t.gradients.empty())
    throw UserError("nothing to train: no trainable parameter of '" + g.name +
                    "' reaches the loss");

  ir::Attrs lr = options.lr_attrs;
  if (!lr.has("lr")) lr.set("lr", 0.01);
  const int lr_value =
      tg.node(tg.add_node("learning_rate", unique_name(tg, "train.lr"), {t.step}, lr)).outputs[0];
  const std::string &update_op = op_it->second;
  ir::Attrs attrs = options.optimizer_attrs;
  if (options.optimizer == "nesterov") attrs.set("nesterov", int64_t{1});
  const ir::OpDef &def = ir::get_op(update_op);
  for (const auto &[param, grad] : t.gradients) {
    const ir::Value p = tg.value(param);
    std::vector<int> inputs = {param, grad, lr_value}, state;
    for (size_t k = 3; k < def.inputs.size(); k++) {
      if (def.inputs[k].name == "step") {
        inputs.push_back(t.step);
        continue;
      }
      state.push_back(tg.add_param(unique_name(tg, p.name + "." + def.inputs[k].name), p.type,
                                   std::vector<float>(p.type.numel(), 0.0f)));
      inputs.push_back(state.back());
    }
    const std::vector<int> out =
        tg.node(tg.add_node(update_op, unique_name(tg, p.name + "/update"), inputs, attrs)).outputs;
    tg.updates.push_back({param, out[0]});
    for (size_t k = 0; k < state.size(); k++) tg.updates.push_back({state[k], out[1 + k]});
  }
  const int one = tg.add_param(unique_name(tg, "train.one"), {ir::DType::F32, {1}}, {1.0f});
  const int next =
      tg.node(tg.add_node("add", unique_name(tg, "train.next_step"), {t.step, one}, {})).outputs[0];
  tg.updates.push_back({t.step, next});
  return t;
}

}  // namespace kiln::passes
