// conv_transpose2d's lowering with explicit schedule knobs (for tests and
// the tuner; the op table's lower_conv_transpose2d uses the heuristic).
#pragma once

#include "codegen/lowering.h"
#include "codegen/schedules/conv_transpose_schedule.h"

namespace kiln::codegen::ops {

// The schedule is legalized for the shape first.
LoweredKernel lower_conv_transpose2d_with(const LowerRequest &request,
                                          const schedules::ConvTransposeSchedule &schedule);

}  // namespace kiln::codegen::ops
