// Schedule knobs for the memory-bound ops (elementwise, pooling, global
// pooling, softmax, batch_norm, concat) and their default heuristics. Each
// struct describes itself; legalize() clamps knobs to the extents so any
// setting a tuner picks is safe.
#pragma once

#include <cstdint>
#include <string>

#include "Halide.h"

namespace kiln::codegen::schedules {

// Work (elements touched) below which a kernel runs serially: a parallel
// launch costs a few microseconds.
constexpr int64_t kParallelThreshold = int64_t{1} << 16;

// A 1-D map over numel elements: vectors of vector_width, `unroll` vectors
// per loop iteration, chunks of parallel_chunk elements across threads.
struct ElementwiseSchedule {
  int vector_width = 16;
  int unroll = 2;
  int64_t parallel_chunk = 0;  // 0: serial
  std::string describe() const;
};
ElementwiseSchedule legalize(ElementwiseSchedule s, int64_t numel);
ElementwiseSchedule default_elementwise_schedule(int64_t numel, const Halide::Target &target);

// Sliding-window pooling on [planes = N*C, out_h, out_w]: vectors along x,
// y_block output rows per task, tasks (plane, row block) in parallel. A padded
// copy of the task's input rows is made when the windows leave the input.
struct PoolSchedule {
  int vector_width = 16;
  int y_block = 8;
  bool parallel = true;
  std::string describe() const;
};
PoolSchedule legalize(PoolSchedule s, int64_t out_h, int64_t out_w);
PoolSchedule default_pool_schedule(int64_t planes, int64_t out_h, int64_t out_w,
                                   const Halide::Target &target);

// A reduction of each contiguous row of [rows, length] (global pooling,
// softmax along the last axis): `lanes` partial results per row in a vector,
// reduced horizontally at the end; row_block rows interleaved per task.
struct RowReduceSchedule {
  int lanes = 16;
  int row_block = 4;
  bool parallel = true;
  std::string describe() const;
};
RowReduceSchedule legalize(RowReduceSchedule s, int64_t rows, int64_t length);
RowReduceSchedule default_row_reduce_schedule(int64_t rows, int64_t length,
                                              const Halide::Target &target);

// Softmax over [outer, axis, inner] with inner > 1: vectors along inner,
// blocks of inner_vectors vectors per task; the axis loop runs per block.
struct StridedSoftmaxSchedule {
  int vector_width = 16;
  int inner_vectors = 2;
  bool parallel = true;
  std::string describe() const;
};
StridedSoftmaxSchedule legalize(StridedSoftmaxSchedule s, int64_t inner);
StridedSoftmaxSchedule default_strided_softmax_schedule(int64_t outer, int64_t axis, int64_t inner,
                                                        const Halide::Target &target);

// batch_norm over [N, C, inner]: vectors along inner (along C when
// inner == 1), (n, c) rows in parallel.
struct BatchNormSchedule {
  int vector_width = 16;
  bool parallel = true;
  std::string describe() const;
};
BatchNormSchedule legalize(BatchNormSchedule s, int64_t channels, int64_t inner);
BatchNormSchedule default_batch_norm_schedule(int64_t batch, int64_t channels, int64_t inner,
                                              const Halide::Target &target);

// concat as row copies: each input k is [outer, len_k], copied into its
// column range of [outer, sum len_k]; vectors along the row, rows in parallel.
struct ConcatSchedule {
  int vector_width = 16;
  bool parallel = true;
  std::string describe() const;
};
ConcatSchedule default_concat_schedule(int64_t outer, int64_t out_len,
                                       const Halide::Target &target);

}  // namespace kiln::codegen::schedules
