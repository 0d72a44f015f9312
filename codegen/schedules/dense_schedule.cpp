#include "codegen/schedules/dense_schedule.h"

#include <algorithm>

#include "codegen/schedules/cpu_info.h"

namespace kiln::codegen::schedules {

std::string DenseSchedule::describe() const {
  return "dense: K vectorized by " + std::to_string(lanes) + " lanes, block " +
         std::to_string(unit_block) + " units x " + std::to_string(batch_block) +
         " rows, horizontal sum per output" + (parallel ? ", parallel over blocks" : ", serial");
}

DenseSchedule legalize(DenseSchedule s, const DenseShape &shape) {
  s.lanes = pow2_at_most(shape.in_features, std::max(1, s.lanes));
  s.unit_block = clamp_block(s.unit_block, shape.units);
  s.batch_block = clamp_block(s.batch_block, shape.batch);
  return s;
}

DenseSchedule default_dense_schedule(const DenseShape &shape, const Halide::Target &target) {
  CpuInfo cpu = cpu_info(target);
  DenseSchedule s;
  s.lanes = cpu.vector_width;
  // unit_block * batch_block accumulators plus one vector of each operand
  // row per step must fit the register file: 4x4 with 32 registers, 3x3
  // with 16; a single row takes up to 8 units.
  s.batch_block =
      static_cast<int>(std::min<int64_t>(shape.batch, cpu.vector_registers >= 32 ? 4 : 3));
  s.unit_block = 1;
  while (s.unit_block < 8 &&
         (s.unit_block + 1) * (s.batch_block + 1) + s.batch_block + 1 <= cpu.vector_registers)
    s.unit_block++;
  s.parallel = shape.batch * shape.units * shape.in_features >= (1 << 16);
  return legalize(s, shape);
}

}  // namespace kiln::codegen::schedules
