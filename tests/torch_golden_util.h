// PyTorch golden cases (tests/data/torch/, written by
// tests/data/gen/make_torch_golden.py): a one-layer kiln spec with its
// weights file, and the input and PyTorch's output. A case is checked twice:
// the reference interpreter runs the spec, and the layer's Halide kernel is
// JIT-compiled and run on the same tensors.
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include "codegen/lowering.h"
#include "frontend/load_model.h"
#include "ir/graph.h"
#include "reference/interpreter.h"
#include "tests/codegen_test_util.h"
#include "tests/test_util.h"

namespace kiln::testing {

struct GoldenCase {
  ir::Graph graph;  // input "x", one node "layer"
  reference::Tensor x, want;
};

inline GoldenCase load_golden(const std::string &name) {
  const std::string base = source_path("tests/data/torch/" + name);
  GoldenCase c;
  c.graph = frontend::load_model(base + ".json");
  const ir::TensorType &xt = c.graph.value(c.graph.inputs.at(0)).type;
  const ir::TensorType &yt = c.graph.value(c.graph.outputs.at(0)).type;
  std::vector<float> io = read_floats(base + ".io.f32");
  if (static_cast<int64_t>(io.size()) != xt.numel() + yt.numel())
    throw std::runtime_error(base + ".io.f32 holds " + std::to_string(io.size()) +
                             " floats; the spec's input and output need " +
                             std::to_string(xt.numel() + yt.numel()));
  c.x = reference::Tensor(xt.shape, {io.begin(), io.begin() + xt.numel()});
  c.want = reference::Tensor(yt.shape, {io.begin() + xt.numel(), io.end()});
  return c;
}

// The reference interpreter's output for the case's input.
inline reference::Tensor reference_output(const GoldenCase &c) {
  return reference::run_graph(c.graph, {c.x}).at(0);
}

// The layer's kernel (the op table's lowering) JIT-compiled for `target` and
// run on the case's input and parameters.
inline reference::Tensor lowered_output(const GoldenCase &c, const Halide::Target &target) {
  const ir::Node &node = c.graph.node(c.graph.find_node("layer"));
  std::vector<ir::TensorType> out;
  for (int v : node.outputs) out.push_back(c.graph.value(v).type);
  codegen::LowerRequest req{node, c.graph.input_types(node), out, target};
  codegen::LoweredKernel k = codegen::lower_node(req);
  std::vector<reference::Tensor> inputs;
  for (int v : node.inputs) {
    const ir::Value &val = c.graph.value(v);
    inputs.push_back(val.data ? reference::Tensor(val.type.shape, *val.data) : c.x);
  }
  return run_lowered(k, inputs, {out[0].shape}, target).at(0);
}

// The reference interpreter (1e-5) and the compiled kernel for `target`
// (1e-4) against PyTorch's output for golden case `name`.
inline void expect_matches_torch_golden(const std::string &name, const Halide::Target &target) {
  GoldenCase c = load_golden(name);
  std::string diff = compare(reference_output(c), c.want, 1e-5);
  EXPECT_TRUE(diff.empty()) << "reference: " << diff;
  try {
    diff = compare(lowered_output(c, target), c.want, 1e-4);
    EXPECT_TRUE(diff.empty()) << "compiled: " << diff;
  } catch (const Halide::Error &e) {
    FAIL() << "Halide error: " << e.what();
  }
}

}  // namespace kiln::testing
