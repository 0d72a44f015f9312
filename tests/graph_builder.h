// Small graphs built by name for the pass tests (fuse-elementwise,
// fuse-epilogue), with seeded random parameters, and the check that a pass
// kept a graph's numbers on the reference interpreter.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/verifier.h"
#include "reference/interpreter.h"

namespace kiln::testing {

inline std::vector<float> random_values(int64_t n, unsigned seed, float lo, float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (auto &x : v) x = dist(rng);
  return v;
}

// Every helper returns the new value's id; parameters get seeds 1, 2, ...
// in the order they are made.
struct GraphBuilder {
  ir::Graph g;
  unsigned seed = 1;

  explicit GraphBuilder(const std::string &name) { g.name = name; }

  int input(const std::string &name, ir::Shape shape) {
    return g.add_input(name, {ir::DType::F32, shape});
  }
  int param(const std::string &name, ir::Shape shape, float lo = -1, float hi = 1) {
    int64_t n = ir::numel(shape);
    return g.add_param(name, {ir::DType::F32, shape}, random_values(n, seed++, lo, hi));
  }
  int node(const std::string &op, const std::string &name, std::vector<int> in,
           const ir::Attrs &a = {}) {
    return g.nodes[g.add_node(op, name, std::move(in), a)].outputs[0];
  }
  // A k x k conv to `filters` channels ('same' padding when k > 1), with or
  // without a bias.
  int conv(const std::string &name, int x, int64_t filters, int64_t k, bool bias) {
    int64_t c = g.value(x).type.shape[1];
    ir::Attrs a;
    a.set("filters", filters);
    a.set("kernel", std::vector<int64_t>{k, k});
    if (k > 1) a.set("padding", std::string("same"));
    a.set("use_bias", int64_t{bias});
    std::vector<int> in = {x, param(name + ".weight", {filters, c, k, k})};
    if (bias) in.push_back(param(name + ".bias", {filters}));
    return node("conv2d", name, in, a);
  }
  int dense(const std::string &name, int x, int64_t units) {
    ir::Attrs a;
    a.set("units", units);
    int64_t k = g.value(x).type.shape[1];
    return node("dense", name,
                {x, param(name + ".weight", {units, k}), param(name + ".bias", {units})}, a);
  }
  int batch_norm(const std::string &name, int x) {
    int64_t c = g.value(x).type.shape[1];
    ir::Attrs a;
    a.set("epsilon", 1e-3);
    return node("batch_norm", name,
                {x, param(name + ".gamma", {c}, 0.5f, 1.5f), param(name + ".beta", {c}),
                 param(name + ".mean", {c}), param(name + ".var", {c}, 0.2f, 2.0f)},
                a);
  }
  void output(int v) { g.mark_output(v); }
};

// Random inputs in [-2, 2) (seeds 99, 100, ...), one per graph input.
inline std::vector<reference::Tensor> random_inputs(const ir::Graph &g) {
  std::vector<reference::Tensor> inputs;
  unsigned seed = 99;
  for (int id : g.inputs)
    inputs.emplace_back(g.value(id).type.shape,
                        random_values(g.value(id).type.numel(), seed++, -2, 2));
  return inputs;
}

inline void expect_close(const std::vector<reference::Tensor> &got,
                         const std::vector<reference::Tensor> &want, double tol) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); i++) {
    ASSERT_EQ(got[i].shape, want[i].shape);
    for (int64_t k = 0; k < want[i].numel(); k++)
      ASSERT_NEAR(got[i].data[k], want[i].data[k], tol * (1 + std::fabs(want[i].data[k])))
          << "output " << i << " element " << k;
  }
}

// `after` verifies and computes what `before` does on the same random
// inputs: |after - before| <= tol * (1 + |before|).
inline void expect_same_numbers(const ir::Graph &before, const ir::Graph &after,
                                double tol = 1e-5) {
  ASSERT_TRUE(ir::verify(after).empty()) << ir::verify(after)[0];
  auto inputs = random_inputs(before);
  expect_close(reference::run_graph(after, inputs), reference::run_graph(before, inputs), tol);
}

}  // namespace kiln::testing
