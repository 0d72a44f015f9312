// The constant evaluator: ONNX ops over tensors known at import time, so
// that exporters' shape arithmetic (Shape -> Gather -> Unsqueeze -> Concat ->
// Reshape) and constant weights' rearrangements (Gemm's transposes) are done
// once by the importer instead of becoming kernels. Integer tensors stay
// int64 and exact; float tensors are computed in double. Shape errors throw
// UserError (the caller adds the node).
#pragma once

#include <cstdint>
#include <vector>

#include "frontend/onnx/const_tensor.h"

namespace kiln::frontend::onnx_import {

enum class BinaryOp { Add, Sub, Mul, Div };

// numpy broadcasting; the result has a's dtype (ONNX requires equal dtypes).
ConstTensor eval_binary(BinaryOp op, const ConstTensor &a, const ConstTensor &b);
ConstTensor eval_reshape(const ConstTensor &t, ir::Shape shape);
// perm[k] is the input axis that becomes output axis k.
ConstTensor eval_transpose(const ConstTensor &t, const std::vector<int64_t> &perm);
ConstTensor eval_concat(const std::vector<const ConstTensor *> &parts, int axis);
// ONNX Gather: indices (negative from the end) along `axis`.
ConstTensor eval_gather(const ConstTensor &data, const ConstTensor &indices, int axis);
// Entries start, start + step, ... before end on `axis` (already clamped).
ConstTensor eval_slice(const ConstTensor &t, int axis, int64_t start, int64_t end, int64_t step);

// The shape after ONNX Reshape's rules: 0 copies the input dimension (unless
// allow_zero), one -1 is inferred.
ir::Shape reshape_target(const ir::Shape &in, const std::vector<int64_t> &spec, bool allow_zero);

// Normalizes ONNX Slice's start and end for a dimension of size `dim` (the
// clamping rules of the spec for either sign of step).
void clamp_slice(int64_t dim, int64_t step, int64_t *start, int64_t *end);

}  // namespace kiln::frontend::onnx_import
