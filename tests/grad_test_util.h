// Helpers for checking gradients: a graph of one op (or a small network)
// with a loss, its gradients from passes/autodiff, central finite
// differences of the loss in float64 on the reference interpreter, and a
// check of every backward kernel compiled with Halide (JIT) against the
// reference.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "codegen/lowering.h"
#include "ir/graph.h"
#include "ir/op.h"
#include "ir/verifier.h"
#include "passes/autodiff.h"
#include "reference/interpreter.h"

namespace kiln::testing {

using reference::Tensor;
using reference::Tensor64;

inline Tensor64 random64(const ir::Shape &shape, std::mt19937 &rng, double lo = -1, double hi = 1) {
  std::uniform_real_distribution<double> dist(lo, hi);
  Tensor64 t(shape);
  for (double &v : t.data) v = dist(rng);
  return t;
}

// A graph to differentiate, with every input and parameter given in float64.
struct GradProblem {
  ir::Graph g;
  std::map<int, Tensor64> given;  // inputs (labels included) and parameters
  int loss_node = -1;
  int labels = -1;
  std::set<int> wrt;             // data inputs and parameters differentiated
  std::map<int, int> gradients;  // value -> its gradient
};

// Builds the forward with `build` (which adds inputs, parameters and nodes
// to the graph and returns the prediction), takes the training forms,
// appends `loss` (labels random in [0, 1), or class indices for
// softmax_cross_entropy) and the gradients with respect to every input and
// parameter but those named in `no_gradient`. Inputs and parameters are
// random in [-1, 1), parameters named "*var" in [0.5, 1.5).
inline GradProblem make_problem(const std::function<int(ir::Graph &)> &build, uint32_t seed,
                                const std::string &loss = "mse_loss",
                                const std::set<std::string> &no_gradient = {}) {
  GradProblem p;
  ir::Graph forward;
  forward.name = "grad_test";
  forward.mark_output(build(forward));
  int step = -1;
  p.g = passes::training_forms(forward, {}, &step);
  const int prediction = p.g.outputs[0];
  p.loss_node = passes::append_loss(p.g, loss, prediction, &p.labels);
  std::mt19937 rng(seed);
  for (size_t id = 0; id < p.g.values.size(); id++) {
    const ir::Value &v = p.g.values[id];
    if (v.kind == ir::ValueKind::Activation || static_cast<int>(id) == step) continue;
    const bool var = v.name.size() >= 3 && v.name.compare(v.name.size() - 3, 3, "var") == 0;
    p.given[static_cast<int>(id)] = random64(v.type.shape, rng, var ? 0.5 : -1.0, var ? 1.5 : 1.0);
    if (static_cast<int>(id) != p.labels && !no_gradient.count(v.name))
      p.wrt.insert(static_cast<int>(id));
  }
  Tensor64 &labels = p.given[p.labels];
  if (loss == "softmax_cross_entropy") {
    const int64_t classes = p.g.value(p.g.node(p.loss_node).inputs[0]).type.shape[1];
    for (double &l : labels.data) l = std::floor((l + 1) / 2 * classes);
  } else {
    for (double &l : labels.data) l = (l + 1) / 2;
  }
  p.gradients = passes::append_gradients(p.g, p.loss_node, p.wrt);
  ir::verify_or_throw(p.g, "gradient graph");
  return p;
}

inline double loss_of(const GradProblem &p, const std::map<int, Tensor64> &given) {
  return reference::evaluate(p.g, given)[p.g.node(p.loss_node).outputs[0]].data[0];
}

// Compares every gradient with central differences (step h) of the loss,
// at up to `max_elements` elements per value (spread over the tensor).
// Passes when |analytic - numeric| <= tol * (1 + |numeric|). Values in
// `skip` (by name) are not checked; every other value of p.wrt must have a
// gradient.
inline void expect_gradients_match(GradProblem p, double tol = 1e-6, double h = 1e-5,
                                   int64_t max_elements = 64,
                                   const std::set<std::string> &skip = {}) {
  const std::vector<Tensor64> values = reference::evaluate(p.g, p.given);
  for (int v : p.wrt) {
    const std::string &name = p.g.value(v).name;
    if (skip.count(name)) continue;
    auto it = p.gradients.find(v);
    ASSERT_NE(it, p.gradients.end()) << "no gradient for '" << name << "'";
    const Tensor64 &analytic = values[it->second];
    Tensor64 &x = p.given[v];
    ASSERT_EQ(analytic.shape, x.shape) << name;
    const int64_t n = x.numel(), stride = std::max<int64_t>(1, n / max_elements);
    for (int64_t j = 0; j < n; j += stride) {
      const double saved = x.data[j];
      x.data[j] = saved + h;
      const double up = loss_of(p, p.given);
      x.data[j] = saved - h;
      const double down = loss_of(p, p.given);
      x.data[j] = saved;
      const double numeric = (up - down) / (2 * h);
      EXPECT_NEAR(analytic.data[j], numeric, tol * (1 + std::fabs(numeric)))
          << "d loss / d " << name << "[" << j << "]";
    }
  }
}

inline const Halide::Target &jit_target() {
  static const Halide::Target t = Halide::get_jit_target_from_environment();
  return t;
}

// Runs node `n` of `g` as its Halide kernel (JIT) on float32 inputs.
inline std::vector<Tensor> run_compiled(const ir::Graph &g, const ir::Node &n,
                                        std::vector<Tensor> inputs) try {
  codegen::LowerRequest req{n, g.input_types(n), {}, jit_target()};
  for (int v : n.outputs) req.outputs.push_back(g.value(v).type);
  codegen::LoweredKernel k = codegen::lower_node(req);
  auto buffer = [](float *data, const ir::Shape &view) {
    std::vector<int> sizes(view.rbegin(), view.rend());
    return Halide::Buffer<float>(data, sizes);
  };
  for (size_t i = 0; i < inputs.size(); i++)
    k.params[i].set(buffer(inputs[i].data.data(), k.input_views[i]));
  std::vector<Tensor> outs;
  for (int v : n.outputs) outs.emplace_back(g.value(v).type.shape);
  std::vector<Halide::Buffer<>> bufs;
  for (size_t i = 0; i < outs.size(); i++)
    bufs.push_back(buffer(outs[i].data.data(), k.output_views[i]));
  k.pipeline.realize(Halide::Realization(bufs), jit_target());
  return outs;
} catch (const Halide::Error &e) {
  // Halide's errors are no std::exception: keep the message and the node.
  throw std::runtime_error("node '" + n.name + "' (" + n.op + "): " + e.what());
}

// Checks every node from `first_node` on (the loss and the backward) as a
// compiled kernel against the reference, both on the reference's float32
// inputs: |got - want| <= tol * (1 + |want|). Returns the nodes checked.
inline int expect_compiled_matches_reference(const GradProblem &p, double tol = 1e-4,
                                             size_t first_node = 0) {
  std::map<int, Tensor> given;
  for (const auto &[id, t] : p.given) given[id] = reference::tensor_cast<float>(t);
  const std::vector<Tensor> values = reference::evaluate(p.g, given);
  int checked = 0;
  for (size_t i = first_node; i < p.g.nodes.size(); i++) {
    const ir::Node &n = p.g.nodes[i];
    std::vector<Tensor> in;
    for (int v : n.inputs) in.push_back(values[v]);
    std::vector<Tensor> got = run_compiled(p.g, n, in);
    for (size_t k = 0; k < n.outputs.size(); k++) {
      const Tensor &want = values[n.outputs[k]];
      int64_t bad = 0, worst = -1;
      double worst_excess = 0;
      for (int64_t j = 0; j < want.numel(); j++) {
        double excess =
            std::fabs(got[k].data[j] - want.data[j]) / (tol * (1 + std::fabs(want.data[j])));
        if (!(excess <= 1)) {
          bad++;
          if (worst < 0 || !(excess <= worst_excess)) worst = j, worst_excess = excess;
        }
      }
      EXPECT_EQ(bad, 0) << "node '" << n.name << "' (" << n.op << ") output " << k << ": " << bad
                        << " of " << want.numel() << " differ; worst at " << worst << ": got "
                        << (worst >= 0 ? got[k].data[worst] : 0) << ", want "
                        << (worst >= 0 ? want.data[worst] : 0);
    }
    checked++;
  }
  return checked;
}

// A gradient rule's whole check: the analytic gradients against finite
// differences (tolerance fd_tol), then, when `compiled` and they matched,
// the loss and backward kernels compiled against the reference (1e-4).
inline void expect_rule_matches(const GradProblem &p, bool compiled = true, double fd_tol = 1e-6) {
  expect_gradients_match(p, fd_tol);
  if (compiled && !::testing::Test::HasFailure())
    EXPECT_GT(expect_compiled_matches_reference(p, 1e-4, p.loss_node), 0);
}

// Attributes from name/value pairs.
inline ir::Attrs attrs(std::initializer_list<std::pair<const char *, ir::AttrValue>> kv) {
  ir::Attrs a;
  for (const auto &[k, v] : kv) a.set(k, v);
  return a;
}

// Inputs in0, in1, ... and the op's parameters (by its ParamSpecs), then one
// node of `op`; returns its output 0.
inline std::function<int(ir::Graph &)> one_op(const std::string &op, std::vector<ir::Shape> shapes,
                                              ir::Attrs a) {
  return [=](ir::Graph &g) {
    std::vector<int> ids;
    for (size_t k = 0; k < shapes.size(); k++)
      ids.push_back(g.add_input("in" + std::to_string(k), {ir::DType::F32, shapes[k]}));
    const ir::OpDef &def = ir::get_op(op);
    if (def.params) {
      ir::Attrs full = ir::normalize_attrs(def, a, "test");
      for (const ir::ParamSpec &p : def.params(full, {ir::DType::F32, shapes[0]}))
        ids.push_back(g.add_param(op + "." + p.input, {ir::DType::F32, p.shape},
                                  std::vector<float>(ir::numel(p.shape), 0.0f)));
    }
    return g.node(g.add_node(op, op, ids, a)).outputs[0];
  };
}

}  // namespace kiln::testing
