// Where a padded position reads the input, for conv2d's padding modes:
// shared by the reference conv2d and its backward kernels.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

namespace kiln::reference::ops {

// Maps a possibly out-of-range index into [0, size) for replicate and
// reflect padding; -1 means "outside" (zeros).
inline int64_t pad_index(int64_t i, int64_t size, const std::string &mode) {
  if (i >= 0 && i < size) return i;
  if (mode == "replicate") return std::clamp<int64_t>(i, 0, size - 1);
  if (mode == "reflect") {
    // Mirror without repeating the edge: -1 -> 1, size -> size - 2.
    if (size == 1) return 0;
    int64_t period = 2 * (size - 1);
    int64_t m = ((i % period) + period) % period;
    return m < size ? m : period - m;
  }
  return -1;
}

}  // namespace kiln::reference::ops
