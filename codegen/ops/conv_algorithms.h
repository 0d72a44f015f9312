// The lowerings of conv2d, one per algorithm (ir/ops/conv_algorithm.h lists
// them and when each applies). lower_conv2d (codegen/ops/conv2d.cpp)
// dispatches on the node's `algorithm` attribute; "auto" keeps the direct
// kernel's default heuristic (or the dense path when the kernel covers the
// whole input). Each lowering supports the fused epilogue and every padding
// mode, and throws InternalError when called for a conv it does not fit
// (the attribute was checked by conv_algorithm_unfit before).
#pragma once

#include "codegen/lowering.h"

namespace kiln::codegen::ops {

// The direct kernel with its default schedule (codegen/ops/conv2d.cpp).
LoweredKernel lower_conv2d_direct(const LowerRequest &request);
// Patch matrix + tiled GEMM; 1x1 stride-1 convs go straight to the GEMM
// (codegen/ops/conv_im2col.cpp).
LoweredKernel lower_conv2d_im2col(const LowerRequest &request);
// Winograd F(m x m, 3x3), m = 2 or 4 (codegen/ops/conv_winograd.cpp).
LoweredKernel lower_conv2d_winograd(const LowerRequest &request, int m);
// groups == input channels (codegen/ops/conv_depthwise.cpp).
LoweredKernel lower_conv2d_depthwise(const LowerRequest &request);

}  // namespace kiln::codegen::ops
