// The memory plan of a training graph: activations the backward reads stay
// live until their last use, and new parameter values (Graph::updates) until
// the end of the step. Checked by running the training graph on the
// reference with every arena value stored at its planned offset in one
// arena: a plan that let a value be overwritten before its last read would
// change the loss or the updates.
#include <gtest/gtest.h>

#include <cstring>

#include "passes/autodiff.h"
#include "passes/eliminate_dead_nodes.h"
#include "passes/plan_memory.h"
#include "reference/interpreter.h"

namespace kiln {
namespace {

using reference::Tensor;
using ints = std::vector<int64_t>;

ir::Attrs attrs(std::initializer_list<std::pair<const char *, ir::AttrValue>> kv) {
  ir::Attrs a;
  for (const auto &[k, v] : kv) a.set(k, v);
  return a;
}

ir::Graph small_cnn() {
  ir::Graph g;
  g.name = "cnn";
  auto param = [&](const std::string &n, ir::Shape s, float v) {
    return g.add_param(n, {ir::DType::F32, s}, std::vector<float>(ir::numel(s), v));
  };
  auto node = [&](const std::string &op, const std::string &n, std::vector<int> in, ir::Attrs a) {
    return g.node(g.add_node(op, n, in, a)).outputs[0];
  };
  std::vector<float> w1(4 * 9);
  for (size_t k = 0; k < w1.size(); k++)
    w1[k] = 0.1f * static_cast<float>(static_cast<int>(k % 7) - 3);
  int x = g.add_input("image", {ir::DType::F32, {4, 1, 8, 8}});
  int c1 = node(
      "conv2d", "c1",
      {x, g.add_param("c1.weight", {ir::DType::F32, {4, 1, 3, 3}}, w1), param("c1.bias", {4}, 0)},
      attrs({{"filters", int64_t{4}}, {"kernel", ints{3, 3}}, {"padding", std::string("same")}}));
  int bn = node("batch_norm", "bn",
                {c1, param("bn.gamma", {4}, 1), param("bn.beta", {4}, 0), param("bn.mean", {4}, 0),
                 param("bn.var", {4}, 1)},
                {});
  int r = node("relu", "r", {bn}, {});
  int pool = node("max_pool2d", "pool", {r}, attrs({{"kernel", ints{2, 2}}}));
  int flat = node("flatten", "flat", {pool}, {});
  int fc = node("dense", "fc", {flat, param("fc.weight", {3, 64}, 0.01f), param("fc.bias", {3}, 0)},
                attrs({{"units", int64_t{3}}}));
  g.mark_output(node("tanh", "t", {fc}, {}));
  return g;
}

// Runs g with every value that has an arena offset stored in one arena.
std::vector<Tensor> run_planned(const ir::Graph &g, const passes::MemoryPlan &plan,
                                const std::map<int, Tensor> &given) {
  std::vector<float> arena(plan.arena_bytes / 4 + 1, 0.0f);
  std::map<int, Tensor> aside = given;
  for (int id : g.param_ids())
    if (!aside.count(id)) aside[id] = Tensor(g.value(id).type.shape, *g.value(id).data);
  auto store = [&](int v, const Tensor &t) {
    if (plan.offset[v] < 0) {
      aside[v] = t;
      return;
    }
    std::memcpy(&arena[plan.offset[v] / 4], t.data.data(), t.data.size() * 4);
  };
  auto load = [&](int v) {
    if (plan.offset[v] < 0) return aside.at(v);
    Tensor t(g.value(v).type.shape);
    std::memcpy(t.data.data(), &arena[plan.offset[v] / 4], t.data.size() * 4);
    return t;
  };
  for (const ir::Node &n : g.nodes) {
    std::vector<Tensor> in;
    for (int v : n.inputs) in.push_back(load(v));
    std::vector<const Tensor *> ptrs;
    for (const Tensor &t : in) ptrs.push_back(&t);
    std::vector<Tensor> out = reference::run_node(n, ptrs);
    for (size_t k = 0; k < out.size(); k++) store(n.outputs[k], out[k]);
  }
  std::vector<Tensor> result;
  for (int id : g.outputs) result.push_back(load(id));
  for (const ir::Update &u : g.updates) result.push_back(load(u.value));
  return result;
}

TEST(TrainingPlan, KeepsSavedActivationsAndUpdatesAlive) {
  passes::TrainingOptions o;
  o.loss = "mse_loss";
  o.optimizer = "momentum";
  passes::TrainingGraph t = passes::build_training_graph(small_cnn(), o);
  const ir::Graph g = passes::eliminate_dead_nodes(t.graph);
  const passes::MemoryPlan plan = passes::plan_memory(g);

  // Forward activations read by the backward: their lives reach past the loss.
  int loss_step = -1;
  for (size_t i = 0; i < g.nodes.size(); i++)
    if (g.nodes[i].op == "mse_loss") loss_step = static_cast<int>(i);
  ASSERT_GE(loss_step, 0);
  int saved = 0;
  for (int i = 0; i < loss_step; i++)
    for (int v : g.nodes[i].outputs)
      for (size_t j = loss_step + 1; j < g.nodes.size(); j++)
        for (int in : g.nodes[j].inputs) saved += in == v && plan.offset[v] >= 0;
  EXPECT_GE(saved, 4) << "the backward should read conv, batch-norm, relu and pool activations";
  EXPECT_LT(plan.arena_bytes, plan.naive_bytes) << "the plan should reuse memory";

  std::map<int, Tensor> given;
  Tensor image({4, 1, 8, 8});
  for (int64_t k = 0; k < image.numel(); k++)
    image.data[k] = static_cast<float>((k * 37) % 17) / 17.0f - 0.5f;
  given[g.find_value("image")] = image;
  Tensor labels({4, 3});
  for (int64_t k = 0; k < labels.numel(); k++) labels.data[k] = static_cast<float>(k % 5) / 5.0f;
  given[g.find_value("labels")] = labels;

  const std::vector<Tensor> want = reference::evaluate(g, given);
  const std::vector<Tensor> got = run_planned(g, plan, given);
  ASSERT_EQ(got.size(), 1 + g.updates.size());
  EXPECT_EQ(got[0].data, want[g.outputs[0]].data) << "loss";
  for (size_t k = 0; k < g.updates.size(); k++)
    EXPECT_EQ(got[1 + k].data, want[g.updates[k].value].data) << g.value(g.updates[k].param).name;
}

}  // namespace
}  // namespace kiln
