// Dropout's mask while training: a counter-based hash of (seed, step,
// element index), so the mask is reproducible and the backward recomputes it
// instead of storing it. The reference (reference/ops/dropout_train.cpp) and
// the Halide kernels (codegen/ops/dropout_train.cpp) compute the same bits.
#pragma once

#include <cmath>
#include <cstdint>

namespace kiln::ir::ops {

// 32 well-mixed bits for element `index` at `step` (a murmur-style
// finalizer; every multiplication wraps modulo 2^32).
inline uint32_t dropout_hash(uint32_t seed, uint32_t step, uint32_t index) {
  uint32_t h = seed ^ (step * 0x9E3779B9u) ^ (index * 0x85EBCA6Bu);
  h ^= h >> 16;
  h *= 0x7FEB352Du;
  h ^= h >> 15;
  h *= 0x846CA68Bu;
  h ^= h >> 16;
  return h;
}

// An element is kept when (hash >> 8) >= this: a fraction `rate` of the
// 2^24 values below it is dropped.
inline uint32_t dropout_threshold(double rate) {
  return static_cast<uint32_t>(std::floor(rate * 16777216.0));
}

}  // namespace kiln::ir::ops
