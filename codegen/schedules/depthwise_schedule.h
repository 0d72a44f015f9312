// Schedule knobs for the depthwise convolution (codegen/ops/conv_depthwise.cpp:
// one input channel per group) and the heuristic that picks them from the
// shape and the target. A tuner sets the same knobs (family "depthwise",
// codegen/schedules/schedule_knobs.h); legalize() makes any setting safe for
// the shape.
#pragma once

#include <cstdint>
#include <string>

#include "Halide.h"
#include "codegen/schedules/conv_schedule.h"

namespace kiln::codegen::schedules {

// The output is computed in register blocks of (vector_width * x_vectors)
// pixels x y_block rows of one channel, every kernel tap unrolled. A strip is
// strip_rows output rows of one channel: its input rows are buffered first
// (padded, and deinterleaved into column phases with column_phases), then
// its blocks run. A task is (n, task_channels channels), walking the strips
// of each channel in turn; with split_rows every strip is a task of its own
// (for images with too few channels to share out). Tasks run in parallel
// when `parallel` is set.
struct DepthwiseSchedule {
  int vector_width = 8;        // lanes along x (1: scalar)
  int x_vectors = 1;           // vectors per block along x
  int y_block = 4;             // output rows per block
  int strip_rows = 16;         // output rows per strip (whole blocks unless the image)
  int task_channels = 1;       // output channels per task
  bool split_rows = false;     // a task per strip (n, channels, strip) instead of per (n, channels)
  bool column_phases = false;  // stride_w > 1: buffered rows deinterleaved by column phase
  bool unroll_taps = true;     // unroll kernel y as well as kernel x
  bool parallel = true;        // run the tasks in parallel

  std::string describe() const;
};

// Clamps every knob so blocks fit the output extents (ShiftInwards tails
// need extent >= block): vector width to a power of two <= out_w, y_block
// within out_h, strip rows within [y_block, out_h], task channels within
// the output channels; column phases only at stride_w > 1.
DepthwiseSchedule legalize(DepthwiseSchedule s, const ConvShape &shape);

// Below this many multiply-adds a depthwise kernel runs serially: it takes
// a few tens of microseconds, about what waking the second thread and
// waiting for its last task cost (docs/performance.md, "Depthwise 3x3").
constexpr int64_t kDepthwiseSerialBelowMacs = int64_t(1) << 19;
// The fewest multiply-adds of one parallel task, and the task count aimed
// at (enough to even out two or more threads and a busy core).
constexpr int64_t kDepthwiseTaskMacs = int64_t(1) << 16;
constexpr int64_t kDepthwiseTasks = 8;

// The register block with the fewest estimated cycles per useful output
// (FMA and load throughput, FMA latency, tails) that fits the register file;
// strips whose buffered rows fit in L1; about kDepthwiseTasks tasks of whole
// channels (no task computes or writes what another does), rows split only
// when the channels are too few; serial below kDepthwiseSerialBelowMacs.
DepthwiseSchedule default_depthwise_schedule(const ConvShape &shape, const Halide::Target &target);

}  // namespace kiln::codegen::schedules
