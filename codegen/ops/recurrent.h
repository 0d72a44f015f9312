// The recurrent layers' lowering with explicit schedule knobs (for tests and
// the tuner; the op table's lower_rnn, lower_lstm and lower_gru use the
// heuristic).
#pragma once

#include "codegen/lowering.h"
#include "codegen/schedules/recurrent_schedule.h"

namespace kiln::codegen::ops {

// rnn, lstm or gru, by the request's op; the schedule is legalized first.
LoweredKernel lower_recurrent_with(const LowerRequest &request,
                                   const schedules::RecurrentSchedule &schedule);

}  // namespace kiln::codegen::ops
