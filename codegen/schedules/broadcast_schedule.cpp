#include "codegen/schedules/broadcast_schedule.h"

#include <algorithm>

#include "codegen/schedules/cpu_info.h"
#include "codegen/schedules/memory_bound.h"

namespace kiln::codegen::schedules {

std::string BroadcastSchedule::describe() const {
  return "broadcast map: vectors of " + std::to_string(vector_width) +
         " along the inner dimension" +
         (rows_per_task ? ", parallel tasks of " + std::to_string(rows_per_task) + " rows"
                        : std::string(", serial"));
}

BroadcastSchedule legalize(BroadcastSchedule s, int64_t rows, int64_t inner) {
  s.vector_width = pow2_at_most(inner, std::max(1, s.vector_width));
  // At least two tasks, or none.
  if (s.rows_per_task > 0) s.rows_per_task = std::min(s.rows_per_task, rows);
  if (s.rows_per_task * 2 > rows) s.rows_per_task = 0;
  return s;
}

BroadcastSchedule default_broadcast_schedule(int64_t rows, int64_t inner,
                                             const Halide::Target &target) {
  BroadcastSchedule s;
  s.vector_width = cpu_info(target).vector_width;
  // About 16K elements per task, as the 1-D elementwise schedule.
  if (rows * inner > kParallelThreshold) s.rows_per_task = std::max<int64_t>(1, 16384 / inner);
  return legalize(s, rows, inner);
}

}  // namespace kiln::codegen::schedules
