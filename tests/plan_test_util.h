// The memory-plan validator shared by the plan-memory tests.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "ir/graph.h"
#include "passes/plan_memory.h"

namespace kiln::testing {

// Every root is 64-byte aligned inside the arena, roots keep apart while
// live, members lie inside their root, and each in-place output's input is
// read by no node after the output's producer.
inline void expect_valid_plan(const ir::Graph &g, const passes::MemoryPlan &plan) {
  std::vector<int> first(g.values.size(), -1), last(g.values.size(), -1);
  for (size_t s = 0; s < g.nodes.size(); s++) {
    for (int v : g.nodes[s].outputs) first[v] = last[v] = static_cast<int>(s);
    for (int v : g.nodes[s].inputs) last[v] = std::max(last[v], static_cast<int>(s));
  }
  for (size_t v = 0; v < g.values.size(); v++) {
    const int in = plan.in_place_of[v];
    if (in < 0) continue;
    EXPECT_EQ(last[in], first[v]) << g.values[in].name << " is read after " << g.values[v].name
                                  << " overwrites it";
    EXPECT_EQ(plan.offset[v], plan.offset[in]);
  }
  std::vector<int> root_first = first, root_last = last;
  for (size_t v = 0; v < g.values.size(); v++) {
    int r = plan.root[v];
    if (r == static_cast<int>(v)) continue;
    root_first[r] = std::min(root_first[r], first[v]);
    root_last[r] = std::max(root_last[r], last[v]);
    EXPECT_LE(plan.root_offset[v] + g.values[v].type.numel() * 4, g.values[r].type.numel() * 4);
    if (plan.offset[r] >= 0) {
      EXPECT_EQ(plan.offset[v], plan.offset[r] + plan.root_offset[v]);
    }
  }
  for (size_t a = 0; a < g.values.size(); a++) {
    if (plan.offset[a] < 0 || plan.root[a] != static_cast<int>(a)) continue;
    EXPECT_EQ(plan.offset[a] % 64, 0) << g.values[a].name << " is not 64-byte aligned";
    int64_t a_end = plan.offset[a] + g.values[a].type.numel() * 4;
    EXPECT_LE(a_end, plan.arena_bytes);
    for (size_t b = a + 1; b < g.values.size(); b++) {
      if (plan.offset[b] < 0 || plan.root[b] != static_cast<int>(b)) continue;
      bool live_together = root_first[a] <= root_last[b] && root_first[b] <= root_last[a];
      int64_t b_end = plan.offset[b] + g.values[b].type.numel() * 4;
      EXPECT_FALSE(live_together && plan.offset[a] < b_end && plan.offset[b] < a_end)
          << g.values[a].name << " and " << g.values[b].name;
    }
  }
  EXPECT_GE(plan.arena_bytes, plan.lower_bound_bytes);
  EXPECT_LE(plan.arena_bytes, plan.naive_bytes);
}

}  // namespace kiln::testing
