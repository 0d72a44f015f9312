// Schedule knobs for the tiled matrix multiply (codegen/ops/gemm.h) and the
// heuristic that picks them from the shape and the target. A tuner sets the
// same knobs; legalize() makes any setting safe for the shape.
#pragma once

#include <cstdint>
#include <string>

#include "Halide.h"

namespace kiln::codegen::schedules {

// C(j, i, g, n) = sum over k < depth of A(j, k, g, n) * B(k, i, g), for
// `batches` (g, n) pairs. j is the output's contiguous dimension (pixels of
// a conv, units of a dense layer) and the one vectorized; i indexes the
// broadcast operand (output channels of a conv, batch rows of dense).
struct GemmShape {
  int64_t rows;     // extent of j
  int64_t cols;     // extent of i
  int64_t depth;    // extent of k
  int64_t batches;  // (g, n) pairs
};

// Register blocks of (j_vectors * vector_width) x i_block accumulators, the
// whole k reduction inside each block. A task is one block-wide strip of j
// of one (g, n): with pack_a its A strip is copied (the patch matrix is
// made) into a contiguous panel of strip x depth first, then every i block
// of the task reads the panel. Tasks run in parallel. With strips_per_task
// > 1 a task is that many adjacent strips (one panel of their width), each
// i block walking all of them: fewer, wider tasks whose output rows cover
// whole cache lines (adjacent 24-float strips share lines between threads).
//
// With lanes_along_i the orientation flips, for a short j (a conv's small
// maps, where j vectors waste lanes and B is streamed once per j strip): the
// lanes run along i, a block is (i_vectors * vector_width) x j_block
// accumulators, A is broadcast. A task is one block-wide strip of i of one
// (g, n); it packs its B strip into a panel (k x strip, contiguous along i)
// and walks every j block over it in chunks of k_chunk, so B is read once.
// A is always packed once, before the tasks (for a conv, the im2col matrix),
// in j blocks: the j_block broadcasts of one k adjacent (pack_a unused).
struct GemmSchedule {
  int vector_width = 16;       // lanes along j (along i with lanes_along_i; 1: scalar)
  int j_vectors = 3;           // vectors per block along j
  int i_block = 8;             // columns (broadcasts) per block
  bool pack_a = true;          // copy each task's A strip into a panel first
  bool parallel = true;        // run the tasks in parallel
  bool lanes_along_i = false;  // vectorize along i, broadcast A (see above)
  int i_vectors = 2;           // with lanes_along_i: vectors per block along i
  int j_block = 6;             // with lanes_along_i: broadcasts per block along j
  int k_chunk = 128;           // with lanes_along_i: k per pass over the j blocks
  int strips_per_task = 1;     // without lanes_along_i: j strips per task (see above)

  std::string describe() const;
};

// Clamps every knob so blocks fit the extents (ShiftInwards tails need
// extent >= block).
GemmSchedule legalize(GemmSchedule s, const GemmShape &shape);

// The register block that fits the register file (accumulators, the block's
// A vectors and a broadcast) with the most accumulators; A packed unless it
// is already contiguous along j (`a_contiguous`) and a strip of it (depth
// rows) fits in half of L1; one strip per task.
GemmSchedule default_gemm_schedule(const GemmShape &shape, const Halide::Target &target,
                                   bool a_contiguous);

// Whether a conv's GEMM of this shape runs faster with lanes_along_i (a short
// j and enough i to fill the lanes); `a_in_place`: A is the conv's input as
// it is (1x1 stride 1). Measured on ResNet-50's layers (gemm_schedule.cpp).
bool conv_prefers_lanes_along_i(const GemmShape &shape, const Halide::Target &target,
                                bool a_in_place);

// The lanes_along_i block that fits the register file: i_vectors * j_block
// accumulators + i_vectors B vectors + one broadcast.
GemmSchedule lanes_along_i_schedule(const GemmShape &shape, const Halide::Target &target);

}  // namespace kiln::codegen::schedules
