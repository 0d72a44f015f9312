// Schedule knobs for the transposed convolution (codegen/ops/conv_transpose2d.cpp)
// and the heuristic that picks them. A tuner sets the same knobs; legalize()
// makes any setting safe for the shape.
#pragma once

#include <cstdint>
#include <string>

#include "Halide.h"

namespace kiln::codegen::schedules {

// The transposed convolution as the kernel sees it. The outputs of one
// phase (o mod stride) form a grid of positions m = o div stride, at most
// q_h x q_w = ceil(out / stride); over its grid a phase is a small direct
// convolution.
struct ConvTransposeShape {
  int64_t batch, in_channels, out_channels, groups;
  int64_t out_h, out_w;
  int64_t stride_h, stride_w;
  int64_t q_h, q_w;  // the phase grid: ceil(out_h / stride_h) x ceil(out_w / stride_w)
  int64_t taps;      // kernel_h * kernel_w
};

// Tasks (n, co_block output channels, y_block phase-grid rows = y_block *
// stride_h output rows) run in parallel. A task computes each phase over its
// rows in register blocks of (vector_width * x_vectors) positions x co_block
// channels, the reduction (input channels, taps) inside, then interleaves
// the phases into its output rows (vectors of out_vector_width).
struct ConvTransposeSchedule {
  int vector_width = 16;
  int x_vectors = 1;
  int co_block = 4;
  int y_block = 4;
  int out_vector_width = 16;
  bool parallel = true;

  std::string describe() const;
};

ConvTransposeSchedule legalize(ConvTransposeSchedule s, const ConvTransposeShape &shape);
ConvTransposeSchedule default_conv_transpose_schedule(const ConvTransposeShape &shape,
                                                      const Halide::Target &target);

}  // namespace kiln::codegen::schedules
