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
// of the task reads the panel. Tasks run in parallel.
struct GemmSchedule {
  int vector_width = 16;  // lanes along j (1: scalar)
  int j_vectors = 3;      // vectors per block along j
  int i_block = 8;        // columns (broadcasts) per block
  bool pack_a = true;     // copy each task's A strip into a panel first
  bool parallel = true;   // run the tasks in parallel

  std::string describe() const;
};

// Clamps every knob so blocks fit the extents (ShiftInwards tails need
// extent >= block).
GemmSchedule legalize(GemmSchedule s, const GemmShape &shape);

// The register block that fits the register file (accumulators, the block's
// A vectors and a broadcast) with the most accumulators; A packed unless it
// is already contiguous along j (`a_contiguous`) and short enough to stay in
// cache.
GemmSchedule default_gemm_schedule(const GemmShape &shape, const Halide::Target &target,
                                   bool a_contiguous);

}  // namespace kiln::codegen::schedules
