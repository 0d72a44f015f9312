// Schedule knobs for dense (y = x W^T + b over row-major x [batch, K] and
// W [units, K]; also conv2d whose kernel covers its whole input), and the
// default heuristic.
#pragma once

#include <cstdint>
#include <string>

#include "Halide.h"

namespace kiln::codegen::schedules {

struct DenseShape {
  int64_t batch, in_features, units;
};

// Both operands are contiguous along K, so the dot products are vectorized
// along K: each of (unit_block x batch_block) outputs keeps `lanes` partial
// sums in a vector register through the K loop, then reduces them
// horizontally; a scalar loop takes the K % lanes tail.
struct DenseSchedule {
  int lanes = 16;        // vector lanes along K (1: scalar)
  int unit_block = 4;    // output units per register block
  int batch_block = 4;   // batch rows per register block
  bool parallel = true;  // parallel over blocks

  std::string describe() const;
};

DenseSchedule legalize(DenseSchedule s, const DenseShape &shape);
DenseSchedule default_dense_schedule(const DenseShape &shape, const Halide::Target &target);

}  // namespace kiln::codegen::schedules
