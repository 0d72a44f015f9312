// The fused depthwise + pointwise kernel (codegen/ops/conv_dw_pw.cpp) with an
// explicit schedule, for tests and benchmarks; lower_conv2d_dw_pw (the op
// table's entry) uses the default heuristic.
#pragma once

#include "codegen/lowering.h"
#include "codegen/schedules/dw_pw_schedule.h"

namespace kiln::codegen::ops {

schedules::DwPwShape conv_dw_pw_shape(const LowerRequest &request);
LoweredKernel lower_conv2d_dw_pw_with(const LowerRequest &request,
                                      const schedules::DwPwSchedule &schedule);

}  // namespace kiln::codegen::ops
