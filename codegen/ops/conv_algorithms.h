// The lowerings of conv2d, one per algorithm (ir/ops/conv_algorithm.h lists
// them and when each applies). lower_conv2d (codegen/ops/conv2d.cpp)
// dispatches on the node's `algorithm` attribute; "auto" keeps the direct
// kernel's default heuristic (or the dense path when the kernel covers the
// whole input). Each lowering supports the fused epilogue and every padding
// mode, and throws InternalError when called for a conv it does not fit
// (the attribute was checked by conv_algorithm_unfit before).
#pragma once

#include "codegen/lowering.h"
#include "codegen/schedules/depthwise_schedule.h"
#include "codegen/schedules/gemm_schedule.h"
#include "codegen/schedules/winograd_schedule.h"

namespace kiln::codegen::ops {

// The direct kernel with its default schedule (codegen/ops/conv2d.cpp).
LoweredKernel lower_conv2d_direct(const LowerRequest &request);
// Patch matrix + tiled GEMM; 1x1 stride-1 convs go straight to the GEMM
// (codegen/ops/conv_im2col.cpp).
LoweredKernel lower_conv2d_im2col(const LowerRequest &request);
// Winograd F(m x m, 3x3), m = 2 or 4 (codegen/ops/conv_winograd.cpp).
LoweredKernel lower_conv2d_winograd(const LowerRequest &request, int m);
// The schedules those lowerings build for `request` (its tuned knobs of
// family "gemm" / "winograd" legalized, or the default heuristic): what the
// tuner compares candidates by (tune/knob_space.h).
schedules::GemmSchedule conv_im2col_schedule(const LowerRequest &request);
schedules::WinogradSchedule conv_winograd_schedule(const LowerRequest &request, int m);
// groups == input channels (codegen/ops/conv_depthwise.cpp).
LoweredKernel lower_conv2d_depthwise(const LowerRequest &request);
// The schedule lower_conv2d_depthwise builds for `request`: its tuned knobs
// of family "depthwise" legalized, or the default heuristic.
schedules::DepthwiseSchedule conv_depthwise_schedule(const LowerRequest &request);

}  // namespace kiln::codegen::ops
