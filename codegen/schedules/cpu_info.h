// What the CPU schedule heuristics need to know about a target: vector width,
// register file and FMA pipeline, derived from the Halide target's features.
#pragma once

#include <cstdint>

#include "Halide.h"

namespace kiln::codegen::schedules {

struct CpuInfo {
  int vector_width = 4;  // float32 lanes of the natural vector
  int vector_registers = 16;
  int fma_units = 2;    // FMAs issued per cycle
  int load_units = 2;   // vector loads (or load-broadcasts) per cycle
  int fma_latency = 4;  // cycles; an accumulator takes one FMA per latency
};

CpuInfo cpu_info(const Halide::Target &target);

// The largest power of two that is at most `n` and at most `cap` (at least 1):
// a vector width or block that never exceeds an extent, so ShiftInwards tails
// stay inside fixed output bounds.
int pow2_at_most(int64_t n, int cap);

// ceil(a / b) for positive values.
inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// `want` clamped to [1, extent].
inline int clamp_block(int want, int64_t extent) {
  if (want < 1) return 1;
  return extent < want ? static_cast<int>(extent) : want;
}

}  // namespace kiln::codegen::schedules
