// Schedule knobs for lrn over [N, C, inner]: vectors along inner (or along
// the channels when inner is 1), (n, c) rows in parallel tasks.
#pragma once

#include <cstdint>
#include <string>

#include "Halide.h"

namespace kiln::codegen::schedules {

struct LrnSchedule {
  int vector_width = 16;
  bool along_channels = false;  // vectors along C (for inner == 1)
  int64_t rows_per_task = 0;    // rows of the loop outside the vectors; 0: serial
  std::string describe() const;
};
LrnSchedule legalize(LrnSchedule s, int64_t batch, int64_t channels, int64_t inner);
LrnSchedule default_lrn_schedule(int64_t batch, int64_t channels, int64_t inner,
                                 const Halide::Target &target);

}  // namespace kiln::codegen::schedules
