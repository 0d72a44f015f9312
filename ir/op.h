// Operator definitions: the one place that says what an op is.
//
// Each op has an OpDef (inputs, attributes with defaults, shape rule,
// parameters a layer creates, cost) in ir/ops/<family>.cpp, a reference
// kernel in reference/ops/<family>.cpp and a Halide lowering in
// codegen/ops/<family>.cpp. ir/ops/op_list.def names every op once; the three
// tables are built from it, so a missing piece is a link error.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ir/attrs.h"
#include "ir/types.h"

namespace kiln::ir {

enum class AttrKind {
  Int,
  Float,
  Bool,     // stored as int 0/1
  String,   // one of `choices` when choices is not empty
  Pair,     // two ints (height, width); a single int means both
  Ints,     // list of ints
  Padding,  // "valid", "same", or [top, left, bottom, right]
};

struct AttrSpec {
  std::string name;
  AttrKind kind;
  std::optional<AttrValue> default_value;  // none: required unless `optional`
  std::string doc;
  std::vector<std::string> choices = {};
  bool optional = false;  // may be absent with no default (the op derives it)
  // Set by passes only; the JSON spec does not accept it.
  bool internal = false;
};

struct InputSpec {
  std::string name;
  bool is_param = false;  // created by the frontend as a weight
  bool optional = false;  // may be absent (only trailing inputs)
  bool variadic = false;  // one or more (only the last input)
  // A parameter training updates (weights, biases, batch-norm gamma and beta);
  // false for buffers such as batch norm's running mean and variance. `kiln
  // inspect` counts the two apart, as PyTorch's parameters() and buffers() do.
  bool trainable = true;
};

enum class InitKind { Weight, Zeros, Ones, Constant };

struct ParamSpec {
  std::string input;  // the InputSpec name it fills
  Shape shape;
  InitKind init = InitKind::Weight;
  int64_t fan_in = 1, fan_out = 1;
  double value = 0;  // every element's initial value for InitKind::Constant
};

struct Cost {
  int64_t macs = 0;   // multiply-accumulates (conv, dense)
  int64_t flops = 0;  // floating-point operations, a MAC counting as two
};

class GradContext;  // ir/grad.h

// A rule of an op's training support (ir/grads/<family>.cpp); it emits
// ordinary nodes through the context (docs/training.md).
using GradRule = void (*)(GradContext &);

struct OpDef {
  std::string name;
  std::string doc;
  std::vector<InputSpec> inputs;
  std::vector<AttrSpec> attrs;
  // May be followed by an `activation` in the sequential spec form.
  bool takes_activation = false;
  // Made by passes only (autodiff's backward ops, losses and optimizer
  // updates): the JSON spec does not accept it as a layer type.
  bool internal = false;
  // Output types from the input types. Throws UserError describing the
  // mismatch; the caller prefixes the node name.
  std::function<std::vector<TensorType>(const Attrs &, const std::vector<TensorType> &)> infer;
  // Parameters a layer of this op creates given its data input type.
  std::function<std::vector<ParamSpec>(const Attrs &, const TensorType &x)> params;
  std::function<Cost(const Attrs &, const std::vector<TensorType> &in,
                     const std::vector<TensorType> &out)>
      cost;
  // The gradient rule: from the gradients of the node's outputs, emits the
  // nodes computing its inputs' gradients. Null: no gradient rule yet
  // (autodiff refuses to train through the op).
  GradRule grad = nullptr;
  // The training form: replaces the node by what it computes while training
  // (batch_norm: batch statistics). Null: the same as at inference.
  GradRule train_forward = nullptr;
};

// The definition of `name`; throws UserError listing the known ops.
const OpDef &get_op(const std::string &name);
const OpDef *find_op(const std::string &name);
std::vector<std::string> op_names();

// Checks how many inputs a node of `def` has; `where` prefixes the error.
void check_input_count(const OpDef &def, size_t count, const std::string &where);

// Fills defaults and checks names, kinds and choices. `where` prefixes errors.
Attrs normalize_attrs(const OpDef &def, const Attrs &given, const std::string &where);

}  // namespace kiln::ir
