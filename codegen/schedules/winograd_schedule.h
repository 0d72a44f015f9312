// Schedule knobs for the Winograd conv (codegen/ops/conv_winograd.cpp) and
// the heuristic that picks them from the shape and the target. A tuner sets
// the same knobs (family "winograd"); legalize() makes any setting safe.
#pragma once

#include <string>

#include "Halide.h"
#include "codegen/schedules/conv_schedule.h"

namespace kiln::codegen::schedules {

// Tasks of tile_rows tile rows x k_group output channels run in parallel. A
// task transforms its tiles' inputs (V) for every channel (or V is made once
// up front, with shared_v), then per block of k_block output channels runs
// the GEMMs in register blocks of (vector_width * tile_vectors tiles) x
// k_block channels, accumulated over the input channels in registers.
struct WinogradSchedule {
  int vector_width = 16;  // tiles per vector
  int tile_vectors = 2;   // vectors of tiles per GEMM register block
  int k_block = 12;       // output channels per GEMM register block
  int tile_rows = 1;      // tile rows per task
  int k_groups = 1;       // output channels split into this many groups (tasks)
  bool shared_v = false;  // V made once for every channel group, up front
  bool parallel = true;
  // Derived by legalize() from the knobs and the shape (not knobs):
  int k_group = 0;                // output channels per task
  bool filter_per_block = false;  // U made per channel block (one task per image)
  bool pretransformed = false;    // U is the weight input (pretransform-winograd)

  std::string describe(int m) const;
};

// Clamps every knob to the shape (tile m x m) and derives the rest.
WinogradSchedule legalize(WinogradSchedule s, const ConvShape &shape, int m, bool pretransformed);

// About 4 GEMM blocks of tiles per task, about one task per core (channel
// groups when tile rows are too few), 2 x 12 accumulators (AVX2 sizes).
WinogradSchedule default_winograd_schedule(const ConvShape &shape, int m,
                                           const Halide::Target &target, bool pretransformed);

}  // namespace kiln::codegen::schedules
