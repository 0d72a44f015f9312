// The scalar activations: elementwise ops y = f(x; attributes) such as relu,
// elu(alpha) or softplus(beta, threshold). This table is the one list of
// them: each is an op (ir/ops/activations.cpp builds its OpDef from here),
// each may be fused into a conv2d or dense epilogue together with its
// attributes (ir/ops/epilogue.h), and each has exactly one formula per side:
// reference/ops/scalar_activations.h (double) and
// codegen/ops/activation_exprs.h (Halide), both looked up by name.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ir/op.h"

namespace kiln::ir::ops {

struct ScalarActivation {
  std::string name;
  std::string doc;              // the formula, for the op's doc
  std::vector<AttrSpec> attrs;  // all Float; a name means the same in every entry
  int64_t flops = 1;            // per element
  // Checks the (normalized) attributes; throws UserError. May be empty.
  std::function<void(const Attrs &)> check = nullptr;
};

const std::vector<ScalarActivation> &scalar_activations();

// The entry of that name, or null.
const ScalarActivation *find_scalar_activation(const std::string &name);

// The names, in table order.
std::vector<std::string> scalar_activation_names();

// Every attribute name used by some scalar activation (alpha, beta, ...),
// each once, with its spec as the first entry that uses it declares it.
std::vector<AttrSpec> scalar_activation_attr_union();

// The OpDef of scalar activation `name` (one input x, output of x's type).
OpDef scalar_activation_op(const std::string &name);

}  // namespace kiln::ir::ops
