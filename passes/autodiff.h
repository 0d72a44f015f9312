// autodiff: builds the training graph of an inference graph
// (docs/training.md): the forward in training mode, a loss, the backward
// as ordinary nodes emitted by each op's gradient rule, and the optimizer's
// updates bound to the parameters they replace (Graph::updates).
//
// The steps are also public, for tests that differentiate one op:
// training_forms, then append_loss, then append_gradients.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "ir/graph.h"

namespace kiln::passes {

struct TrainingOptions {
  // mse_loss, bce_loss, bce_with_logits_loss or softmax_cross_entropy.
  std::string loss = "softmax_cross_entropy";
  // sgd, momentum, nesterov, adagrad, rmsprop or adam.
  std::string optimizer = "sgd";
  // Attributes of the optimizer's update op (momentum, beta1, epsilon,
  // weight_decay, ...), checked against the op; the rest take defaults.
  ir::Attrs optimizer_attrs;
  // Attributes of the learning_rate op: lr (default 0.01), schedule, ...
  ir::Attrs lr_attrs;
  double batch_norm_momentum = 0.1;
  uint32_t seed = 0;  // dropout masks
};

// What a training graph is made of, by value id.
struct TrainingGraph {
  ir::Graph graph;  // inputs: the model's, then "labels"; output: the loss [1]
  int loss = -1;
  int labels = -1;
  int step = -1;                 // the step counter parameter "train.step"
  std::map<int, int> gradients;  // trained parameter -> its gradient
};

// The names of the optimizers and the update op each one uses.
const std::map<std::string, std::string> &optimizer_ops();

// Replaces every node whose op has a training form (batch_norm, dropout).
// Adds the step counter parameter "train.step" (float32 [1], zero) and sets
// *step to its id. Values keep their names where the node is unchanged.
ir::Graph training_forms(const ir::Graph &g, const TrainingOptions &options, int *step);

// Appends the input "labels" and a loss node of op `loss` over value
// `prediction` (for softmax_cross_entropy, the logits: the input of a final
// softmax is used instead of its output). Returns the loss node's id;
// *labels gets the labels input's id. The graph's outputs become the loss.
int append_loss(ir::Graph &g, const std::string &loss, int prediction, int *labels);

// Differentiates output 0 of node `loss_node` (a loss op) with respect to
// the values `wrt` (parameters or inputs) by calling every node's gradient
// rule in reverse. Returns value -> gradient for each value of `wrt` that
// the loss depends on. UserError when a node on the way has no rule.
std::map<int, int> append_gradients(ir::Graph &g, int loss_node, const std::set<int> &wrt,
                                    const ir::Attrs &options = {});

// The parameters training updates: those some node reads through a
// trainable parameter input (ir/op.h InputSpec::trainable).
std::set<int> trainable_params(const ir::Graph &g);

// All of it: training_forms, append_loss on the graph's only output,
// append_gradients for the trainable parameters, one learning_rate node,
// an update node per trained parameter with its state parameters
// ("<param>.<state>", zeros), and the step counter's increment.
TrainingGraph build_training_graph(const ir::Graph &g, const TrainingOptions &options);

}  // namespace kiln::passes
