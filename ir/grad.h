// What a gradient rule or a training-form rule (OpDef::grad,
// OpDef::train_forward; the rules are in ir/grads/) sees of the graph, and
// how it adds ordinary nodes to it. passes/autodiff.cpp makes one context
// per node it differentiates or rewrites.
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"

namespace kiln::ir {

class GradContext {
 public:
  // `node` is a copy whose inputs (and, for gradients, outputs) are value
  // ids of `g`. `dy` holds the gradient of each output (-1: none reaches
  // it) and `needs` says which inputs want a gradient; both are empty for a
  // training form. `step` is the step counter's value id (float32 [1]).
  GradContext(Graph &g, Node node, std::vector<int> dy, std::vector<bool> needs, int step);

  // Training options a rule may read (passes/autodiff.h: batch_norm_momentum,
  // seed).
  void set_options(Attrs options) { options_ = std::move(options); }
  const Attrs &options() const { return options_; }
  // Marks output k's gradient as the implicit 1 of the loss being minimized
  // (autodiff's seed; dy(k) is then -1).
  void set_seed(size_t k) { seed_ = static_cast<int>(k); }
  bool is_seed(size_t k) const { return seed_ == static_cast<int>(k); }

  const Node &node() const { return node_; }
  const Attrs &attrs() const { return node_.attrs; }
  int input(size_t k) const;
  int output(size_t k) const;
  size_t num_inputs() const { return node_.inputs.size(); }
  // By value: emitting nodes grows the graph and moves its values.
  TensorType type(int value) const { return g_.value(value).type; }
  Shape shape(int value) const { return g_.value(value).type.shape; }

  // --- gradient rules
  // The gradient of output k, or -1 when no gradient reaches it.
  int dy(size_t k = 0) const;
  // Whether input k wants a gradient (it leads to a trained parameter).
  bool needs(size_t k) const;
  // Sets the gradient of input k; it must have the input's type.
  void set_dx(size_t k, int value);
  const std::vector<int> &dx() const { return dx_; }

  // --- emitting nodes
  // Appends a node of `op`, named after the rule's node: "NODE/suffix"
  // (made unique). Returns its output value ids; emit() wants exactly one.
  std::vector<int> emit_all(const std::string &op, const std::string &suffix,
                            std::vector<int> inputs, Attrs attrs = {});
  int emit(const std::string &op, const std::string &suffix, std::vector<int> inputs,
           Attrs attrs = {});

  // --- training forms
  int step() const { return step_; }
  // A new parameter holding training state, "NODE.suffix", every element
  // `init`; it is not trained.
  int add_state(const std::string &suffix, const Shape &shape, float init);
  // At the end of each step, parameter `param` takes `value`.
  void add_update(int param, int value);
  // Output k of the rewritten node is `value` from now on.
  void replace_output(size_t k, int value);
  const std::vector<int> &replacements() const { return replaced_; }

 private:
  Graph &g_;
  Node node_;
  std::vector<int> dy_;
  std::vector<bool> needs_;
  std::vector<int> dx_;
  std::vector<int> replaced_;
  int step_;
  Attrs options_;
  int seed_ = -1;
};

}  // namespace kiln::ir
