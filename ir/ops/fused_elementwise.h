// The program of a fused_elementwise node (set by the fuse-elementwise pass):
// a list of steps computed per element, each an op over inputs and earlier
// steps; the last step is the output. Its text form, the node's `program`
// attribute, names input k "xk" and step k "tk"; an activation's attributes
// follow its name in brackets:
//
//   scale_shift(x0,x1,x2); leaky_relu[alpha=0.1](t0); add(t1,x3)
//
// Step ops: any scalar activation (ir/ops/scalar_activations.h, so a new one
// plugs in here with no change), the binary add, sub, mul and div over
// operands of the output's shape, and scale_shift(a, s, b) = a * s[c] + b[c]
// with s and b per-channel inputs of shape [C] (C the output's axis 1; what
// fuse-elementwise makes of an inference batch_norm).
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/op.h"

namespace kiln::ir::ops {

enum class StepKind { Activation, Add, Sub, Mul, Div, ScaleShift };

struct Operand {
  bool is_step = false;  // else a node input
  int index = 0;         // input or step index
};

struct ElementwiseStep {
  std::string op;  // a scalar activation, add, sub, mul, div or scale_shift
  std::vector<Operand> operands;
  Attrs attrs;  // an activation's attributes, defaults filled in
  StepKind kind() const;
};

struct ElementwiseProgram {
  std::vector<ElementwiseStep> steps;
};

// The scalar activations (relu, elu, leaky_relu, ...): elementwise unary ops,
// with or without attributes.
bool is_elementwise_activation(const std::string &op);

// The step kind of a binary elementwise op (add, sub, mul, div), or false.
bool binary_step_kind(const std::string &op, StepKind *kind);

// Nodes whose output element i depends only on element i of each input of
// the output's type (other inputs broadcast): the scalar activations, add,
// sub, mul, div, scale_channels and fused_elementwise. Their kernels read
// each such input element once, before writing that output element, so the
// memory planner may give the output an input's storage.
bool is_elementwise(const Node &node);

// Parses the text form for a node with `num_inputs` inputs; UserError saying
// which step is wrong (unknown op, wrong operand count, bad attributes, an
// operand that is not an input or an earlier step, an input no step reads).
ElementwiseProgram parse_program(const std::string &text, size_t num_inputs);
std::string print_program(const ElementwiseProgram &program);

// Per node input: whether a step reads it as a per-channel vector.
std::vector<bool> per_channel_inputs(const ElementwiseProgram &program, size_t num_inputs);

// The flops one step costs over `out`: what the standalone op would.
int64_t step_flops(const ElementwiseStep &step, const TensorType &out);

}  // namespace kiln::ir::ops
