// Compiling a whole graph into a real shared library (dlopen'ed) and running
// it, for tests that check graphs end to end against the reference
// interpreter. One place for "compile -> load -> run -> compare".
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "codegen/compile_library.h"
#include "codegen/kernel_compiler.h"
#include "codegen/loaded_library.h"
#include "ir/graph.h"
#include "passes/pass_manager.h"
#include "reference/interpreter.h"
#include "tests/test_util.h"

namespace kiln::testing {

// The graph after the passes of optimization level `level` (-O<level>).
inline ir::Graph optimized(const ir::Graph &g, int level = 2) {
  passes::PassOptions o;
  o.passes = passes::passes_for_level(level);
  return passes::run_passes(g, o);
}

// Seeded inputs for every graph input: uniform in [-1, 1), input i seeded
// with seed + i.
inline std::vector<reference::Tensor> random_graph_inputs(const ir::Graph &g, uint64_t seed) {
  std::vector<reference::Tensor> inputs;
  for (size_t i = 0; i < g.inputs.size(); i++) {
    const ir::TensorType &t = g.value(g.inputs[i]).type;
    inputs.emplace_back(t.shape, random_floats(t.numel(), seed + i));
  }
  return inputs;
}

// Compiles `g` exactly as given (run the passes first if wanted) into a
// library in a temporary folder, with the shared kernel cache, loads it,
// runs it once on `inputs` (graph input order) and returns its outputs.
inline std::vector<reference::Tensor> run_compiled(const ir::Graph &g,
                                                   const std::vector<reference::Tensor> &inputs) {
  TempDir dir;
  codegen::CompileOptions options;
  options.out_dir = dir / "lib";
  options.cache_dir = codegen::default_cache_dir();
  codegen::CompileReport report = codegen::compile_library(g, options);
  codegen::LoadedLibrary lib(report.shared_library, report.name);
  codegen::LoadedLibrary::Instance instance(lib);
  std::vector<reference::Tensor> outputs;
  for (int id : g.outputs) outputs.emplace_back(g.value(id).type.shape);
  std::vector<const float *> in;
  std::vector<float *> out;
  for (const auto &t : inputs) in.push_back(t.data.data());
  for (auto &t : outputs) out.push_back(t.data.data());
  instance.run(in, out);
  return outputs;
}

// Every output within tol * (1 + max |want|) of the reference (a tolerance
// scaled by the output's magnitude, for deep networks whose values grow).
// A reference that is all zeros or not finite fails: the check would prove
// nothing.
inline void expect_close_to_scale(const std::vector<reference::Tensor> &got,
                                  const std::vector<reference::Tensor> &want, double tol,
                                  const std::string &what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t k = 0; k < want.size(); k++) {
    ASSERT_EQ(got[k].shape, want[k].shape) << what << ", output " << k;
    double scale = 0, worst = 0;
    for (float w : want[k].data) scale = std::max(scale, static_cast<double>(std::fabs(w)));
    ASSERT_TRUE(std::isfinite(scale)) << what << ": the reference output is not finite";
    ASSERT_GT(scale, 0) << what << ": the reference output is all zeros";
    size_t bad = 0;
    for (int64_t i = 0; i < want[k].numel(); i++) {
      double diff = std::fabs(static_cast<double>(got[k].data[i]) - want[k].data[i]);
      worst = std::max(worst, diff);
      if (!(diff <= tol * (1 + scale))) bad++;
    }
    EXPECT_EQ(bad, 0u) << what << ", output " << k << ": max |compiled - reference| " << worst
                       << ", max |reference| " << scale;
  }
}

}  // namespace kiln::testing
