// The state of one ONNX import and the view a converter has of its node.
//
// Every ONNX value name maps to a kiln value, a tensor known at import time
// (initializers, Constant outputs and folded shape arithmetic), or both once
// a constant has been used as a kiln value (it then becomes a parameter).
// A converter (frontend/onnx/converters.h) reads its node through a
// NodeContext: attributes with their defaults, inputs as constants or kiln
// values, and emits kiln nodes named after the node's outputs.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "frontend/onnx/const_tensor.h"
#include "frontend/onnx/unsupported.h"
#include "ir/errors.h"
#include "ir/graph.h"
#include "onnx/onnx_pb.h"

namespace kiln::frontend::onnx_import {

struct ImportedValue {
  int id = -1;                                  // the kiln value, once there is one
  std::shared_ptr<const ConstTensor> constant;  // the value, when known at import time
  int32_t dtype = kFloat;                       // the ONNX element type
  // A graph input given as float32 (OnnxImportOptions::float32_inputs):
  // the type the model declares (CastLike casts to it); else 0.
  int32_t declared_dtype = 0;
  bool is_graph_input = false;
  // Why a graph input cannot be a kiln value (a scalar), or "": using it as
  // data is then Unsupported, though a converter may still need it only as
  // a constant (and the conformance runner can supply one).
  std::string unavailable;
};

class ImportContext {
 public:
  ImportContext(ir::Graph &graph, std::string source, std::string base_dir, int opset)
      : graph(graph), source(std::move(source)), base_dir(std::move(base_dir)), opset(opset) {}

  ir::Graph &graph;
  std::string source;    // the model file, first in every error
  std::string base_dir;  // the model's folder, for external data
  int opset;
  std::map<std::string, ImportedValue> values;
  std::set<std::string> consumed;  // names some node or the graph output reads

  // The kiln value of a constant: a parameter named `name`, created once.
  int materialize(const std::string &name);
  // `base`, or `base_2`, `base_3`, ... when a value or node already has it.
  std::string unique_name(const std::string &base) const;
};

class NodeContext {
 public:
  NodeContext(ImportContext &ctx, const onnx::NodeProto &node) : ctx_(ctx), node_(node) {}

  const onnx::NodeProto &node() const { return node_; }
  const std::string &op_type() const { return node_.op_type(); }
  int opset() const { return ctx_.opset; }
  ir::Graph &graph() { return ctx_.graph; }
  // "model.onnx: node 'conv1' (Conv, opset 11)"
  std::string where() const;
  [[noreturn]] void fail(const std::string &message) const;
  [[noreturn]] void unsupported(const std::string &message) const;

  // Attributes. Each converter lists the attributes it understands; any
  // other attribute on the node is reported as unsupported.
  void expect_attrs(const std::vector<std::string> &known) const;
  bool has_attr(const std::string &name) const;
  int64_t attr_int(const std::string &name, std::optional<int64_t> fallback = {}) const;
  double attr_float(const std::string &name, std::optional<double> fallback = {}) const;
  std::string attr_string(const std::string &name, std::optional<std::string> fallback = {}) const;
  std::vector<int64_t> attr_ints(const std::string &name,
                                 std::optional<std::vector<int64_t>> fallback = {}) const;
  std::vector<double> attr_floats(const std::string &name) const;
  ConstTensor attr_tensor(const std::string &name) const;

  // Inputs (an empty name is an absent optional input).
  size_t num_inputs() const;  // trailing absent inputs not counted
  bool has_input(size_t k) const;
  bool is_constant(size_t k) const;
  bool all_inputs_constant() const;
  // The constant value of input k; Unsupported naming `what` when it is
  // computed at run time.
  const ConstTensor &constant(size_t k, const std::string &what) const;
  // The kiln value of input k (a constant becomes a parameter).
  int value(size_t k);
  ir::Shape shape(size_t k) const;  // by value: emitting nodes moves the graph's values
  int32_t dtype(size_t k) const;
  // The element type the model declares for input k: dtype(k), except for a
  // graph input given as float32, which keeps its declared type here.
  int32_t declared_dtype(size_t k) const;
  // Input k must be a float tensor computed by kiln or a float constant.
  void expect_float(size_t k) const;

  // Outputs.
  size_t num_outputs() const;
  const std::string &output_name(size_t k) const { return node_.output(static_cast<int>(k)); }
  // Whether output k exists and some node or the graph output reads it.
  bool output_used(size_t k) const;
  void set_output(size_t k, int value_id);
  void set_constant(size_t k, ConstTensor t);

  // Appends a kiln node and returns its output value. The node is named after
  // output 0 (`suffix` empty: the node computing the ONNX value itself) or
  // "<output>:<suffix>" for helper nodes.
  int emit(const std::string &op, std::vector<int> inputs, ir::Attrs attrs = {},
           const std::string &suffix = "");
  // A new parameter named "<output 0>:<suffix>".
  int add_param(const std::string &suffix, const ir::Shape &shape, std::vector<float> data);
  // `value` reshaped (a reshape node, or nothing when the shape is already so).
  int reshape(int value, const ir::Shape &shape, const std::string &suffix);

 private:
  const ImportedValue &input_entry(size_t k) const;
  // Throws Unsupported unless input k is a kiln value or a float constant.
  void expect_value(size_t k) const;

  ImportContext &ctx_;
  const onnx::NodeProto &node_;
};

}  // namespace kiln::frontend::onnx_import
