// Schedule knobs for a broadcasting elementwise map over [rows, inner] (the
// output's collapsed view with every dimension but the innermost fused into
// rows): vectors along inner, blocks of rows per parallel task.
#pragma once

#include <cstdint>
#include <string>

#include "Halide.h"

namespace kiln::codegen::schedules {

struct BroadcastSchedule {
  int vector_width = 16;
  int64_t rows_per_task = 0;  // 0: serial
  std::string describe() const;
};
BroadcastSchedule legalize(BroadcastSchedule s, int64_t rows, int64_t inner);
BroadcastSchedule default_broadcast_schedule(int64_t rows, int64_t inner,
                                             const Halide::Target &target);

}  // namespace kiln::codegen::schedules
