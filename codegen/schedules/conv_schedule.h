// Schedule knobs for the direct 2-D convolution (codegen/ops/conv2d.cpp) and
// the heuristic that picks them from the shape and the target. A tuner sets
// the same knobs; legalize() makes any setting safe for the shape.
#pragma once

#include <cstdint>
#include <string>

#include "Halide.h"

namespace kiln::codegen::schedules {

// The convolution as the kernel sees it (a pointwise conv is viewed as one
// row of H*W pixels).
struct ConvShape {
  int64_t batch, in_channels, in_h, in_w;
  int64_t out_channels, out_h, out_w;
  int64_t groups, kernel_h, kernel_w, stride_h, stride_w;
  int64_t dilation_h = 1, dilation_w = 1;
};

// Flat-row mode (stride 1 only): the padded input is stored as rows of
// out_w + (kernel_w - 1) * dilation_w pixels end to end, so the output rows
// form one long row of this many positions (the last kernel_w - 1 of each
// row but the last are computed and dropped). Vectors then run at full width
// however narrow the image is.
int64_t flat_row_length(const ConvShape &shape);

// Input channels per partial sum of shifted-rows mode: the largest divisor
// of the channels per group that is at most `want` (0: all of them).
int64_t ci_chunk_for(const ConvShape &shape, int want);

// The output is computed in register blocks of
// (x_vectors * vector_width) pixels x y_block rows x co_block channels, the
// whole reduction (ci, ky, kx) running inside each block; blocks of one
// (n, co block, row block) task run along x, and tasks run in parallel.
// With flat_rows, x is the flat position (see flat_row_length), y_block is 1
// and a task is (n, co block).
struct ConvSchedule {
  int vector_width = 16;   // lanes along x (1: scalar)
  int x_vectors = 1;       // vectors per block along x
  int y_block = 4;         // output rows per block
  int co_block = 6;        // output channels per block
  bool unroll_kx = true;   // unroll the innermost reduction loop (kernel x)
  bool parallel = true;    // run the tasks in parallel
  bool flat_rows = false;  // flat-row mode (ignored unless strides are 1 and out_h > 1)
  // Direct form: a task is (n, row block, co block) with co innermost, so
  // consecutive tasks read the same input rows (for inputs larger than the weights).
  bool channels_inner = false;
  // Direct form: a task is (n, row block) with every co block inside it; the
  // task pads its own input rows (no whole-image padded copy), and they stay
  // in L2 across the channel blocks.
  bool band_tasks = false;
  // Shifted-rows mode (stride 1, groups 1; wins over flat_rows): x is the
  // pixel index of the unpadded output map (y * out_w + x), so vectors span
  // rows with no dropped lanes; the input is copied once per kernel-x shift
  // so every tap is one contiguous load. A task holds task_channels output
  // channels (0: co_block) and sums its blocks in chunks of ci_chunk input
  // channels (0: all), so a chunk's input rows stay in L2 and a block's
  // weights in L1 across the task's pixel blocks.
  bool shifted_rows = false;
  int ci_chunk = 0;
  int task_channels = 0;

  std::string describe() const;
};

// Clamps every knob so blocks fit the output extents (ShiftInwards tails need
// extent >= block): vector width to a power of two <= out_w, and so on.
ConvSchedule legalize(ConvSchedule s, const ConvShape &shape);

// Picks the register block with the fewest estimated cycles per useful MAC
// (FMA and load throughput, FMA latency, work wasted on overlapping tails)
// that fits the register file.
ConvSchedule default_conv_schedule(const ConvShape &shape, const Halide::Target &target);

}  // namespace kiln::codegen::schedules
