// Helpers for testing Halide lowerings against the reference interpreter:
// one-node graphs with random inputs and parameters, JIT runs of a
// LoweredKernel over row-major tensors, and a mixed abs/rel comparison.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "codegen/lowering.h"
#include "ir/graph.h"
#include "ir/op.h"
#include "reference/interpreter.h"

namespace kiln::testing {

inline reference::Tensor random_tensor(const ir::Shape &shape, uint32_t seed, float lo = -1.0f,
                                       float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  reference::Tensor t(shape);
  for (float &v : t.data) v = dist(rng);
  return t;
}

// A graph with one node of `op` over data inputs of the given shapes; the
// op's parameters (ParamSpecs of its OpDef) are filled with random values
// (variances positive). Inputs are random in [lo, hi).
struct OneNode {
  ir::Graph graph;
  int node = -1;
  std::vector<reference::Tensor> inputs;  // every node input, parameters included

  const ir::Node &n() const { return graph.node(node); }
};

inline OneNode one_node(const std::string &op, const std::vector<ir::Shape> &data_shapes,
                        const ir::Attrs &attrs, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  OneNode g;
  std::vector<int> ids;
  for (size_t k = 0; k < data_shapes.size(); k++) {
    ids.push_back(g.graph.add_input("in" + std::to_string(k), {ir::DType::F32, data_shapes[k]}));
    g.inputs.push_back(random_tensor(data_shapes[k], seed + 17 * k, lo, hi));
  }
  const ir::OpDef &def = ir::get_op(op);
  if (def.params) {
    ir::Attrs full = ir::normalize_attrs(def, attrs, "test");
    int k = 0;
    for (const ir::ParamSpec &p : def.params(full, {ir::DType::F32, data_shapes[0]})) {
      bool positive = p.input == "var";
      reference::Tensor t = random_tensor(p.shape, seed + 1000 + 31 * k++, positive ? 0.5f : -1.0f,
                                          positive ? 1.5f : 1.0f);
      ids.push_back(g.graph.add_param(p.input, {ir::DType::F32, p.shape}, t.data));
      g.inputs.push_back(std::move(t));
    }
  }
  g.node = g.graph.add_node(op, op + "_node", ids, attrs);
  return g;
}

inline codegen::LowerRequest lower_request(const OneNode &g, const Halide::Target &target) {
  std::vector<ir::TensorType> out;
  for (int v : g.n().outputs) out.push_back(g.graph.value(v).type);
  return {g.n(), g.graph.input_types(g.n()), out, target};
}

// A Halide buffer over row-major data seen as `view` (dims reversed: Halide
// dimension 0 is the last entry of the view).
inline Halide::Buffer<float> view_buffer(float *data, const ir::Shape &view) {
  std::vector<int> sizes(view.rbegin(), view.rend());
  return Halide::Buffer<float>(data, sizes);
}

// JIT-compiles the kernel for `target` and runs it on `inputs` (node input
// order); returns the outputs with the node's output shapes.
inline std::vector<reference::Tensor> run_lowered(codegen::LoweredKernel &k,
                                                  std::vector<reference::Tensor> inputs,
                                                  const std::vector<ir::Shape> &output_shapes,
                                                  const Halide::Target &target) {
  if (k.params.size() != inputs.size() || k.input_views.size() != inputs.size())
    throw std::runtime_error("kernel takes " + std::to_string(k.params.size()) + " inputs, got " +
                             std::to_string(inputs.size()));
  for (size_t i = 0; i < inputs.size(); i++) {
    if (ir::numel(k.input_views[i]) != inputs[i].numel())
      throw std::runtime_error("input view " + ir::shape_str(k.input_views[i]) +
                               " does not match " + ir::shape_str(inputs[i].shape));
    k.params[i].set(view_buffer(inputs[i].data.data(), k.input_views[i]));
  }
  std::vector<reference::Tensor> outs;
  std::vector<Halide::Buffer<>> bufs;
  for (size_t i = 0; i < output_shapes.size(); i++) {
    outs.emplace_back(output_shapes[i]);
    if (ir::numel(k.output_views[i]) != outs[i].numel())
      throw std::runtime_error("output view " + ir::shape_str(k.output_views[i]) +
                               " does not match " + ir::shape_str(output_shapes[i]));
    bufs.push_back(view_buffer(outs[i].data.data(), k.output_views[i]));
  }
  k.pipeline.realize(Halide::Realization(bufs), target);
  return outs;
}

// Empty when every |got - want| <= tol * (1 + |want|); else a description of
// the worst element and the number of mismatches.
inline std::string compare(const reference::Tensor &got, const reference::Tensor &want,
                           double tol) {
  if (got.shape != want.shape)
    return "shape " + ir::shape_str(got.shape) + " != " + ir::shape_str(want.shape);
  int64_t bad = 0, worst = -1;
  double worst_excess = 0;
  for (int64_t i = 0; i < want.numel(); i++) {
    double g = got.data[i], w = want.data[i];
    double excess = std::fabs(g - w) / (tol * (1 + std::fabs(w)));
    if (!(excess <= 1)) {  // NaN counts as a mismatch
      bad++;
      if (worst < 0 || !(excess <= worst_excess)) worst = i, worst_excess = excess;
    }
  }
  if (bad == 0) return "";
  std::ostringstream s;
  s << bad << " of " << want.numel() << " elements differ; worst at flat index " << worst
    << ": got " << got.data[worst] << ", want " << want.data[worst] << " (tolerance " << tol
    << " * (1 + |want|))";
  return s.str();
}

}  // namespace kiln::testing
