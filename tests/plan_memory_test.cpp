// plan-memory: no two tensors live at the same time overlap, offsets are
// aligned, and the arena stays close to the lower bound.
#include <gtest/gtest.h>

#include "frontend/load_model.h"
#include "passes/plan_memory.h"
#include "test_util.h"

namespace kiln {
namespace {

// Checks every pair of arena values that are live at the same step.
void expect_valid(const ir::Graph &g, const passes::MemoryPlan &plan) {
  std::vector<int> first(g.values.size(), -1), last(g.values.size(), -1);
  for (size_t s = 0; s < g.nodes.size(); s++) {
    for (int v : g.nodes[s].outputs) first[v] = last[v] = static_cast<int>(s);
    for (int v : g.nodes[s].inputs) last[v] = static_cast<int>(s);
  }
  for (size_t a = 0; a < g.values.size(); a++) {
    if (plan.offset[a] < 0) continue;
    EXPECT_EQ(plan.offset[a] % 64, 0);
    int64_t a_end = plan.offset[a] + g.values[a].type.numel() * 4;
    EXPECT_LE(a_end, plan.arena_bytes);
    for (size_t b = a + 1; b < g.values.size(); b++) {
      if (plan.offset[b] < 0) continue;
      bool live_together = first[a] <= last[b] && first[b] <= last[a];
      int64_t b_end = plan.offset[b] + g.values[b].type.numel() * 4;
      bool overlap = plan.offset[a] < b_end && plan.offset[b] < a_end;
      EXPECT_FALSE(live_together && overlap) << g.values[a].name << " and " << g.values[b].name;
    }
  }
  EXPECT_GE(plan.arena_bytes, plan.lower_bound_bytes);
  EXPECT_LE(plan.arena_bytes, plan.naive_bytes);
}

TEST(PlanMemory, OutputsAndParamsAreNotInTheArena) {
  ir::Graph g = frontend::load_model(testing::source_path("examples/lenet5.json"));
  passes::MemoryPlan plan = passes::plan_memory(g);
  for (int id : g.outputs) EXPECT_EQ(plan.offset[id], -1);
  for (int id : g.inputs) EXPECT_EQ(plan.offset[id], -1);
  for (int id : g.param_ids()) EXPECT_EQ(plan.offset[id], -1);
  expect_valid(g, plan);
  // A chain needs at most two tensors at a time: the plan reaches the bound.
  EXPECT_EQ(plan.arena_bytes, plan.lower_bound_bytes);
  EXPECT_LT(plan.arena_bytes, plan.naive_bytes);
}

TEST(PlanMemory, BranchingGraphIsValid) {
  ir::Graph g = frontend::load_model(testing::source_path("examples/tiny_resnet.json"));
  passes::MemoryPlan plan = passes::plan_memory(g);
  expect_valid(g, plan);
  EXPECT_LE(plan.arena_bytes, plan.lower_bound_bytes * 105 / 100);
}

}  // namespace
}  // namespace kiln
