// Schedule knobs for the fused depthwise + pointwise kernel
// (codegen/ops/conv_dw_pw.cpp) and the heuristic that picks them.
#pragma once

#include <cstdint>
#include <string>

#include "Halide.h"
#include "codegen/schedules/conv_schedule.h"

namespace kiln::codegen::schedules {

// The two convs of a conv2d_dw_pw node: the depthwise one (groups ==
// channels) and the pointwise one reading its output.
struct DwPwShape {
  ConvShape depthwise, pointwise;
};

// A task is (n, band of band_pixels output pixels, chunk of f_chunk output
// channels); the pixels are the output's rows laid end to end, so a band may
// start and end inside a row. It computes the depthwise output of the rows
// its band touches for every channel, keeping the band's pixels in a scratch
// (band_pixels * channels floats, meant to stay in L2), then the pointwise
// conv over the band in register blocks of (pw_vector_width * pw_x_vectors)
// pixels x co_block output channels, the reduction over channels inside each
// block.
struct DwPwSchedule {
  int band_pixels = 64;      // whole register blocks
  int f_chunk = 64;          // output channels per task (whole co_blocks)
  int pw_vector_width = 16;  // lanes along the band's pixels
  int pw_x_vectors = 2;      // vectors per register block
  int co_block = 8;          // output channels per register block
  int dw_vector_width = 16;  // lanes along a depthwise output row
  // Loop over the output-channel blocks inside the pixel blocks: a pixel
  // block's scratch slice stays in L1 while the weights stream (else each
  // channel block's weights stay while the whole band streams from L2).
  bool channels_inner = true;
  bool parallel = true;

  std::string describe() const;
};

// Clamps the knobs to the shape (ShiftInwards tails need extent >= block).
DwPwSchedule legalize(DwPwSchedule s, const DwPwShape &shape);

// The depthwise scratch of one band aimed at (bytes): inside L2 (1 MB per
// core on the Zen 5 machines measured), so the pointwise blocks read it from
// there while the weights of a co_block stay in L1.
constexpr int64_t kDwPwScratchBytes = int64_t(256) << 10;

// Bands as large as the scratch allows, of equal size in whole register
// blocks; the register block (8 or 16 lanes x 1-3 vectors x 12/6/4
// channels) that wastes the least on overlapping tails of pixels and output
// channels; output channels split into chunks when there are fewer (n,
// band) tasks than 2 (the cores of the machines measured); serial below
// 2^19 multiply-adds.
DwPwSchedule default_dw_pw_schedule(const DwPwShape &shape, const Halide::Target &target);

}  // namespace kiln::codegen::schedules
