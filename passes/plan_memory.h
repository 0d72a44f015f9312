// plan-memory: places every intermediate activation in one arena.
//
// Liveness runs over the graph's node order: a value is live from the step
// that produces it to its last use. Values are placed greedily at the
// lowest offset that overlaps no placed value live at the same time, in a
// few orders (largest first, longest-lived first, earliest first, largest
// size x lifetime first); the smallest arena wins, and when it is above the
// lower bound a short seeded local search over the order tries to close the
// gap. Graph inputs and outputs live in the caller's buffers and parameters
// in the library's weights, so none of them take arena space.
//
// The inputs of an in-place concat (eliminate-concat) live inside its
// output: each value has a storage root (itself, or the outermost concat
// output holding it) and a byte offset in that root. A root is live from
// the first step any of its members is written to the last step any is read.
//
// In-place reuse: the output of an elementwise node (ir::ops::is_elementwise)
// takes the storage of an input of its type whose storage nobody reads after
// that node: the output joins the input's root at the input's offset. The
// input must be an activation that is no graph output and whose root is no
// graph output; the output must be its own root (not inside a concat) and no
// graph output. Such kernels compute each element once from the inputs at the
// same index, so reading and writing one buffer is safe.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/graph.h"

namespace kiln::passes {

struct MemoryPlan {
  std::vector<int64_t> offset;       // per value id: arena byte offset; -1 when not in the arena
  std::vector<int> root;             // per value id: the value whose storage holds it
  std::vector<int64_t> root_offset;  // per value id: byte offset inside the root
  // Per value id: the input whose storage it reuses in place, or -1.
  std::vector<int> in_place_of;
  int64_t arena_bytes = 0;
  // The largest sum of simultaneously live arena roots (aligned): no plan
  // with these storage roots can use less. An output that reuses its input's
  // storage is one root with it, so in-place reuse lowers the bound too.
  int64_t lower_bound_bytes = 0;
  // Every arena root in its own buffer.
  int64_t naive_bytes = 0;

  int in_place_count() const;
};

// `alignment` must be a power of two; every root's offset is a multiple of it.
MemoryPlan plan_memory(const ir::Graph &g, int64_t alignment = 64);

}  // namespace kiln::passes
