// plan-memory: places every intermediate activation in one arena.
//
// Liveness runs over the graph's node order: a value is live from the step
// that produces it to its last use. Values are placed greedily, largest
// first, at the lowest offset that overlaps no placed value live at the same
// time. Graph inputs and outputs live in the caller's buffers and parameters
// in the library's weights, so none of them take arena space.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/graph.h"

namespace kiln::passes {

struct MemoryPlan {
  std::vector<int64_t> offset;  // per value id; -1 when not in the arena
  int64_t arena_bytes = 0;
  // The largest sum of simultaneously live arena tensors (aligned): no plan
  // can use less.
  int64_t lower_bound_bytes = 0;
  // Every arena tensor in its own buffer.
  int64_t naive_bytes = 0;
};

// `alignment` must be a power of two; every offset is a multiple of it.
MemoryPlan plan_memory(const ir::Graph &g, int64_t alignment = 64);

}  // namespace kiln::passes
