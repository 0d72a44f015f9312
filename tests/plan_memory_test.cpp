// plan-memory: no two tensors live at the same time overlap, offsets are
// aligned, and the arena stays close to the lower bound.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "frontend/json/json_spec.h"
#include "frontend/load_model.h"
#include "passes/eliminate_concat.h"
#include "passes/pass_manager.h"
#include "passes/plan_memory.h"
#include "tests/plan_test_util.h"
#include "tests/test_util.h"

namespace kiln {
namespace {

TEST(PlanMemory, OutputsAndParamsAreNotInTheArena) {
  ir::Graph g = frontend::load_model(testing::source_path("examples/lenet5.json"));
  passes::MemoryPlan plan = passes::plan_memory(g);
  for (int id : g.outputs) EXPECT_EQ(plan.offset[id], -1);
  for (int id : g.inputs) EXPECT_EQ(plan.offset[id], -1);
  for (int id : g.param_ids()) EXPECT_EQ(plan.offset[id], -1);
  testing::expect_valid_plan(g, plan);
  // A chain needs at most two tensors at a time: the plan reaches the bound.
  EXPECT_EQ(plan.arena_bytes, plan.lower_bound_bytes);
  EXPECT_LT(plan.arena_bytes, plan.naive_bytes);
}

TEST(PlanMemory, BranchingGraphIsValid) {
  ir::Graph g = frontend::load_model(testing::source_path("examples/tiny_resnet.json"));
  passes::MemoryPlan plan = passes::plan_memory(g);
  testing::expect_valid_plan(g, plan);
  EXPECT_LE(plan.arena_bytes, plan.lower_bound_bytes * 105 / 100);
}

}  // namespace
}  // namespace kiln

namespace kiln {
namespace {

// Every example at batch 1 and 8: the arena within 1.05x of the lower bound.
class PlanMemoryExamples : public ::testing::TestWithParam<std::string> {};

ir::Graph load_with_batch(const std::string &spec, int64_t batch) {
  std::ifstream in(testing::source_path("examples/" + spec + ".json"));
  nlohmann::json j = nlohmann::json::parse(in);
  auto &inputs = j.contains("inputs") ? j["inputs"] : j["input"];
  if (inputs.is_array()) {
    for (auto &i : inputs) i["shape"][0] = batch;
  } else {
    inputs["shape"][0] = batch;
  }
  return frontend::parse_json_spec(j.dump(), spec, testing::source_path("examples"));
}

TEST_P(PlanMemoryExamples, ArenaWithin5PercentOfLowerBound) {
  for (int64_t batch : {1, 8}) {
    for (int level : {0, 2}) {
      passes::PassOptions o;
      o.passes = passes::passes_for_level(level);
      ir::Graph g = passes::run_passes(load_with_batch(GetParam(), batch), o);
      passes::MemoryPlan plan = passes::plan_memory(g);
      testing::expect_valid_plan(g, plan);
      EXPECT_LE(plan.arena_bytes, plan.lower_bound_bytes * 1.05)
          << "batch " << batch << " -O" << level << ": arena " << plan.arena_bytes << ", bound "
          << plan.lower_bound_bytes;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Examples, PlanMemoryExamples,
                         ::testing::Values("lenet5", "tiny_resnet", "resnet18", "densenet_block",
                                           "inception_module"));

}  // namespace
}  // namespace kiln

namespace kiln {
namespace {

TEST(EliminateConcat, DenseNetConcatsCopyNothingAtBatch1) {
  for (int64_t batch : {1, 8}) {
    passes::PassOptions o;
    o.passes = passes::passes_for_level(2);
    ir::Graph g = passes::run_passes(load_with_batch("densenet_block", batch), o);
    int in_place = 0, concats = 0;
    for (const auto &n : g.nodes) {
      concats += n.op == "concat";
      in_place += passes::is_elided(n);
    }
    EXPECT_EQ(concats, 6);
    EXPECT_EQ(in_place, batch == 1 ? 6 : 0) << "batch " << batch;
    passes::MemoryPlan plan = passes::plan_memory(g);
    // The last concat holds the stem and all six dense layers' outputs (and
    // the transition's batch norm and relu reuse its storage in place).
    int last = g.nodes[g.find_node("cat5")].outputs[0];
    int members = 0;
    for (size_t v = 0; v < g.values.size(); v++)
      members += plan.root[v] == last && static_cast<int>(v) != last && plan.in_place_of[v] < 0;
    EXPECT_EQ(members, batch == 1 ? 12 : 0);
  }
}

}  // namespace
}  // namespace kiln
