// The transform matrices of Winograd's minimal filtering F(m, 3), as the
// Halide lowering (codegen/ops/conv_winograd.cpp) names them. They live in
// ir/ops/winograd.h (no Halide) so the pretransform-winograd pass and the
// reference interpreter share them; tests/conv_winograd_test.cpp checks the
// identity they must satisfy numerically.
#pragma once

#include "ir/ops/winograd.h"

namespace kiln::codegen::ops {

using ir::ops::winograd_matrices;
using ir::ops::WinogradMatrices;

}  // namespace kiln::codegen::ops
