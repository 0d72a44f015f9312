// plan-memory: places every intermediate activation in one arena.
//
// Liveness runs over the graph's node order: a value is live from the step
// that produces it to its last use. Values are placed greedily at the
// lowest offset that overlaps no placed value live at the same time, in a
// few orders (largest first, longest-lived first, earliest first, largest
// size x lifetime first); the smallest arena wins. Graph inputs and outputs live in the caller's buffers and parameters
// in the library's weights, so none of them take arena space.
//
// The inputs of an in-place concat (eliminate-concat) live inside its
// output: each value has a storage root (itself, or the outermost concat
// output holding it) and a byte offset in that root. A root is live from
// the first step any of its members is written to the last step any is read.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/graph.h"

namespace kiln::passes {

struct MemoryPlan {
  std::vector<int64_t> offset;       // per value id: arena byte offset; -1 when not in the arena
  std::vector<int> root;             // per value id: the value whose storage holds it
  std::vector<int64_t> root_offset;  // per value id: byte offset inside the root
  int64_t arena_bytes = 0;
  // The largest sum of simultaneously live arena roots (aligned): no plan
  // can use less.
  int64_t lower_bound_bytes = 0;
  // Every arena root in its own buffer.
  int64_t naive_bytes = 0;
};

// `alignment` must be a power of two; every root's offset is a multiple of it.
MemoryPlan plan_memory(const ir::Graph &g, int64_t alignment = 64);

}  // namespace kiln::passes
