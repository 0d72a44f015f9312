#include "codegen/schedules/lrn_schedule.h"

#include <algorithm>

#include "codegen/schedules/cpu_info.h"
#include "codegen/schedules/memory_bound.h"

namespace kiln::codegen::schedules {

std::string LrnSchedule::describe() const {
  return "lrn: vectors of " + std::to_string(vector_width) +
         (along_channels ? " along channels" : " along the plane") +
         (rows_per_task ? ", parallel tasks of " + std::to_string(rows_per_task) + " rows"
                        : std::string(", serial"));
}

LrnSchedule legalize(LrnSchedule s, int64_t batch, int64_t channels, int64_t inner) {
  s.along_channels = inner == 1;
  const int64_t vector_extent = s.along_channels ? channels : inner;
  const int64_t rows = s.along_channels ? batch : batch * channels;
  s.vector_width = pow2_at_most(vector_extent, std::max(1, s.vector_width));
  if (s.rows_per_task > 0) s.rows_per_task = std::min(s.rows_per_task, rows);
  if (s.rows_per_task * 2 > rows) s.rows_per_task = 0;  // at least two tasks, or none
  return s;
}

LrnSchedule default_lrn_schedule(int64_t batch, int64_t channels, int64_t inner,
                                 const Halide::Target &target) {
  LrnSchedule s;
  s.vector_width = cpu_info(target).vector_width;
  const int64_t row_length = inner == 1 ? channels : inner;
  // About 4K outputs per task: each reads `size` inputs.
  if (batch * channels * inner > kParallelThreshold / 4)
    s.rows_per_task = std::max<int64_t>(1, 4096 / row_length);
  return legalize(s, batch, channels, inner);
}

}  // namespace kiln::codegen::schedules
