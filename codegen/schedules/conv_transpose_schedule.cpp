#include "codegen/schedules/conv_transpose_schedule.h"

#include <algorithm>

#include "codegen/schedules/cpu_info.h"
#include "codegen/schedules/memory_bound.h"

namespace kiln::codegen::schedules {

std::string ConvTransposeSchedule::describe() const {
  return "conv_transpose2d: gather by output phase, register blocks " +
         std::to_string(vector_width) + "x" + std::to_string(x_vectors) + " positions x " +
         std::to_string(co_block) + " channels, tasks of " + std::to_string(y_block) +
         " phase rows x " + std::to_string(co_block) + " channels" +
         (parallel ? " in parallel" : ", serial") + ", phases interleaved in vectors of " +
         std::to_string(out_vector_width);
}

ConvTransposeSchedule legalize(ConvTransposeSchedule s, const ConvTransposeShape &shape) {
  s.vector_width = pow2_at_most(shape.q_w, std::max(1, s.vector_width));
  s.x_vectors = clamp_block(s.x_vectors, shape.q_w / s.vector_width);
  s.co_block = clamp_block(s.co_block, shape.out_channels);
  s.y_block = clamp_block(s.y_block, shape.q_h);
  // A task's output rows (y_block * stride_h) must fit the output (ShiftInwards).
  while (s.y_block > 1 && s.y_block * shape.stride_h > shape.out_h) s.y_block--;
  s.out_vector_width = pow2_at_most(shape.out_w, std::max(1, s.out_vector_width));
  return s;
}

ConvTransposeSchedule default_conv_transpose_schedule(const ConvTransposeShape &shape,
                                                      const Halide::Target &target) {
  CpuInfo cpu = cpu_info(target);
  ConvTransposeSchedule s;
  s.vector_width = s.out_vector_width = cpu.vector_width;
  s.x_vectors = shape.q_w >= 2 * cpu.vector_width ? 2 : 1;
  // x_vectors * co_block accumulators, one input vector per x vector and a
  // broadcast weight must fit the register file.
  s.co_block = std::max(1, std::min(8, (cpu.vector_registers - 2 * s.x_vectors - 1) / s.x_vectors));
  // About 8 output rows per task: enough rows that the phase rows a task
  // shares with its neighbour (at most one) are a small overhead.
  s.y_block = static_cast<int>(std::max<int64_t>(1, 8 / shape.stride_h));
  const int64_t macs = shape.batch * shape.out_channels * shape.out_h * shape.out_w *
                       (shape.in_channels / shape.groups) * shape.taps /
                       (shape.stride_h * shape.stride_w);
  s.parallel = macs >= kParallelThreshold;
  return legalize(s, shape);
}

}  // namespace kiln::codegen::schedules
