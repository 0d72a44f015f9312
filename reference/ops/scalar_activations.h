// The scalar activations in double precision, one table looked up by name:
// the standalone kernels (reference/ops/activations.cpp), the fused conv2d
// and dense epilogue (reference/ops/epilogue.h) and any other op that applies
// an activation elementwise use these formulas. The list of activations and
// their attributes is ir/ops/scalar_activations.h.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ir/attrs.h"

namespace kiln::reference::ops {

using ScalarFn = std::function<double(double)>;

// Activation `name` with its attributes (those left out take their defaults)
// as a function of one double; "none" is the identity. InternalError for a
// name the table lacks.
ScalarFn scalar_activation(const std::string &name, const ir::Attrs &attrs);

// The names the table holds (a test checks they match the IR's list).
std::vector<std::string> reference_scalar_activation_names();

// softplus(x) = log(1 + e^x) without overflow or cancellation.
double stable_softplus(double x);

}  // namespace kiln::reference::ops
