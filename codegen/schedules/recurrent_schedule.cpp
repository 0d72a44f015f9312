#include "codegen/schedules/recurrent_schedule.h"

#include <algorithm>

#include "codegen/schedules/cpu_info.h"
#include "codegen/schedules/memory_bound.h"

namespace kiln::codegen::schedules {

std::string RecurrentSchedule::describe() const {
  return "recurrent: input projection for all steps vectorized along the gate rows, then the "
         "steps in order with the hidden units in vectors of " +
         std::to_string(vector_width) +
         (parallel ? ", projection steps and sequences (batch > 1) in parallel" : ", serial");
}

RecurrentSchedule legalize(RecurrentSchedule s, const RecurrentShape &shape) {
  s.vector_width = pow2_at_most(shape.hidden_size, std::max(1, s.vector_width));
  return s;
}

RecurrentSchedule default_recurrent_schedule(const RecurrentShape &shape,
                                             const Halide::Target &target) {
  RecurrentSchedule s;
  s.vector_width = cpu_info(target).vector_width;
  const int64_t macs = shape.steps * shape.batch * shape.gates * shape.hidden_size *
                       (shape.input_size + shape.hidden_size);
  s.parallel = macs >= kParallelThreshold;
  return legalize(s, shape);
}

}  // namespace kiln::codegen::schedules
