// Local response normalization across channels (AlexNet; ONNX LRN, PyTorch
// LocalResponseNorm), over axis 1 of a tensor of rank 2 or more:
//
//   y[n, c, ...] = x[n, c, ...] / (bias + alpha / size * S)^beta,
//   S = sum of x[n, c', ...]^2 over c' in [c - before, c + after] within [0, C)
//
// with before = floor((size - 1) / 2) and after = ceil((size - 1) / 2) as
// ONNX defines it. alpha is divided by size (ONNX and PyTorch; Caffe's
// ACROSS_CHANNELS too), so AlexNet's paper constant alpha = 1e-4 per element
// is alpha = 5e-4 here with size 5. PyTorch puts the extra channel of an
// even size before c rather than after: for even sizes kiln follows ONNX.
#pragma once

#include <cstdint>

#include "ir/attrs.h"

namespace kiln::ir::ops {

struct LrnWindow {
  int64_t before = 0, after = 0;  // channels summed before and after c
};

LrnWindow lrn_window(int64_t size);

}  // namespace kiln::ir::ops
