#include "codegen/schedules/memory_bound.h"

#include <algorithm>

#include "codegen/schedules/cpu_info.h"

namespace kiln::codegen::schedules {

namespace {
std::string par(bool parallel) { return parallel ? ", parallel" : ", serial"; }
}  // namespace

std::string ElementwiseSchedule::describe() const {
  return "elementwise: vectors of " + std::to_string(vector_width) + " x" + std::to_string(unroll) +
         " unrolled" +
         (parallel_chunk ? ", parallel chunks of " + std::to_string(parallel_chunk)
                         : std::string(", serial"));
}

ElementwiseSchedule legalize(ElementwiseSchedule s, int64_t numel) {
  s.vector_width = pow2_at_most(numel, std::max(1, s.vector_width));
  s.unroll = clamp_block(s.unroll, numel / s.vector_width);
  int64_t step = int64_t{s.vector_width} * s.unroll;
  if (s.parallel_chunk > 0) {
    // Whole steps per chunk, and at least two chunks.
    s.parallel_chunk = std::max(step, s.parallel_chunk / step * step);
    if (s.parallel_chunk * 2 > numel) s.parallel_chunk = 0;
  }
  return s;
}

ElementwiseSchedule default_elementwise_schedule(int64_t numel, const Halide::Target &target) {
  ElementwiseSchedule s;
  s.vector_width = cpu_info(target).vector_width;
  s.unroll = 2;
  s.parallel_chunk = numel > kParallelThreshold ? 16384 : 0;
  return legalize(s, numel);
}

std::string PoolSchedule::describe() const {
  return "pool: vectors of " + std::to_string(vector_width) + " along x, " +
         std::to_string(y_block) + " rows per task" + par(parallel);
}

PoolSchedule legalize(PoolSchedule s, int64_t out_h, int64_t out_w) {
  s.vector_width = pow2_at_most(out_w, std::max(1, s.vector_width));
  s.y_block = clamp_block(s.y_block, out_h);
  return s;
}

PoolSchedule default_pool_schedule(int64_t planes, int64_t out_h, int64_t out_w,
                                   const Halide::Target &target) {
  PoolSchedule s;
  s.vector_width = cpu_info(target).vector_width;
  s.y_block = 8;
  s.parallel = planes * out_h * out_w > kParallelThreshold / 4;
  return legalize(s, out_h, out_w);
}

std::string RowReduceSchedule::describe() const {
  return "row reduction: " + std::to_string(lanes) + " lanes per row, " +
         std::to_string(row_block) + " rows interleaved" + par(parallel);
}

RowReduceSchedule legalize(RowReduceSchedule s, int64_t rows, int64_t length) {
  s.lanes = pow2_at_most(length, std::max(1, s.lanes));
  s.row_block = clamp_block(s.row_block, rows);
  return s;
}

RowReduceSchedule default_row_reduce_schedule(int64_t rows, int64_t length,
                                              const Halide::Target &target) {
  RowReduceSchedule s;
  s.lanes = cpu_info(target).vector_width;
  s.row_block = 4;
  s.parallel = rows * length > kParallelThreshold && rows >= 2 * s.row_block;
  return legalize(s, rows, length);
}

std::string StridedSoftmaxSchedule::describe() const {
  return "softmax across rows: vectors of " + std::to_string(vector_width) + " along inner, " +
         std::to_string(inner_vectors) + " vectors per block" + par(parallel);
}

StridedSoftmaxSchedule legalize(StridedSoftmaxSchedule s, int64_t inner) {
  s.vector_width = pow2_at_most(inner, std::max(1, s.vector_width));
  s.inner_vectors = clamp_block(s.inner_vectors, inner / s.vector_width);
  return s;
}

StridedSoftmaxSchedule default_strided_softmax_schedule(int64_t outer, int64_t axis, int64_t inner,
                                                        const Halide::Target &target) {
  StridedSoftmaxSchedule s;
  s.vector_width = cpu_info(target).vector_width;
  s.inner_vectors = 2;
  s.parallel = outer * axis * inner > kParallelThreshold;
  return legalize(s, inner);
}

std::string BatchNormSchedule::describe() const {
  return "batch_norm: vectors of " + std::to_string(vector_width) + par(parallel) + " over (n, c)";
}

BatchNormSchedule legalize(BatchNormSchedule s, int64_t channels, int64_t inner) {
  s.vector_width = pow2_at_most(inner == 1 ? channels : inner, std::max(1, s.vector_width));
  return s;
}

BatchNormSchedule default_batch_norm_schedule(int64_t batch, int64_t channels, int64_t inner,
                                              const Halide::Target &target) {
  BatchNormSchedule s;
  s.vector_width = cpu_info(target).vector_width;
  s.parallel = batch * channels * inner > kParallelThreshold && batch * channels >= 2 && inner > 1;
  return legalize(s, channels, inner);
}

std::string ConcatSchedule::describe() const {
  return "concat: row copies in vectors of " + std::to_string(vector_width) + par(parallel);
}

ConcatSchedule default_concat_schedule(int64_t outer, int64_t out_len,
                                       const Halide::Target &target) {
  ConcatSchedule s;
  s.vector_width = cpu_info(target).vector_width;
  s.parallel = outer >= 2 && outer * out_len > kParallelThreshold;
  return s;
}

}  // namespace kiln::codegen::schedules
