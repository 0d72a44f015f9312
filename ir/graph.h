// The graph IR: nodes (an op plus attributes) over typed values.
//
// Values are graph inputs, parameters (weights, with their data) or
// activations produced by exactly one node. Nodes are kept in a valid
// execution order (every input is defined before use); builders append in
// order and passes keep it so.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ir/attrs.h"
#include "ir/types.h"

namespace kiln::ir {

enum class ValueKind { Input, Param, Activation };

struct Value {
  std::string name;
  TensorType type;
  ValueKind kind = ValueKind::Activation;
  int producer = -1;  // node index for activations
  // Parameter data (float32, row-major); shared so graph copies are cheap.
  std::shared_ptr<const std::vector<float>> data;
};

// A training step's state change (passes/autodiff.h): once every node has
// run, parameter `param` takes the value `value`, which has its type.
struct Update {
  int param;
  int value;
};

struct Node {
  std::string name;
  std::string op;
  std::vector<int> inputs;   // value ids, in the op's input order
  std::vector<int> outputs;  // value ids
  Attrs attrs;
};

class Graph {
 public:
  std::string name = "model";
  std::vector<Value> values;
  std::vector<Node> nodes;
  std::vector<int> inputs;   // value ids of graph inputs, in call order
  std::vector<int> outputs;  // value ids of graph outputs, in call order
  // Parameters replaced after each step (training graphs only); passes keep
  // these values alive like outputs.
  std::vector<Update> updates;

  int add_input(const std::string &name, TensorType type);
  int add_param(const std::string &name, TensorType type, std::vector<float> data);
  // Checks the attributes against the op's schema (filling defaults), infers
  // the output types and appends the node. Its single output value takes the
  // node's name. Throws UserError naming the node on any mismatch.
  int add_node(const std::string &op, const std::string &name, std::vector<int> inputs,
               Attrs attrs);
  void mark_output(int value_id);

  // -1 when absent.
  int find_value(const std::string &name) const;
  int find_node(const std::string &name) const;
  const Value &value(int id) const { return values.at(id); }
  const Node &node(int id) const { return nodes.at(id); }
  std::vector<TensorType> input_types(const Node &n) const;
  // Parameters only (the values with data), in id order.
  std::vector<int> param_ids() const;
  int64_t param_count() const;
};

}  // namespace kiln::ir
