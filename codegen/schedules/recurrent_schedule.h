// Schedule knobs for the recurrent layers (codegen/ops/recurrent.cpp) and
// the heuristic that picks them.
#pragma once

#include <cstdint>
#include <string>

#include "Halide.h"

namespace kiln::codegen::schedules {

struct RecurrentShape {
  int64_t steps, batch, input_size, hidden_size, gates;
};

// The input projection (every step's W x + biases at once) is vectorized
// along the gate rows, parallel over steps when `parallel`; the recurrence
// runs step by step with the hidden units in vectors of vector_width, the
// sequences of a batch in parallel when `parallel`.
struct RecurrentSchedule {
  int vector_width = 16;
  bool parallel = true;
  std::string describe() const;
};

RecurrentSchedule legalize(RecurrentSchedule s, const RecurrentShape &shape);
RecurrentSchedule default_recurrent_schedule(const RecurrentShape &shape,
                                             const Halide::Target &target);

}  // namespace kiln::codegen::schedules
