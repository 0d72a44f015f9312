// Runs an example spec at another batch size as a compiled library (-O2,
// opened with dlopen) and compares it with the reference interpreter running
// the same spec. The batch is one dimension of the spec's only input: 0 for
// images ([N, C, H, W]), 1 for sequences ([T, N, I]).
//
// Tolerance: |compiled - reference| <= 1e-4 * (1 + max |reference|).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "codegen/compile_library.h"
#include "codegen/kernel_compiler.h"
#include "codegen/loaded_library.h"
#include "frontend/json/json_spec.h"
#include "passes/pass_manager.h"
#include "reference/interpreter.h"
#include "tests/test_util.h"

namespace kiln::testing {

inline void expect_example_matches_reference(const std::string &spec, int batch_dim,
                                             int64_t batch) {
  std::ifstream in(source_path(spec));
  nlohmann::json j = nlohmann::json::parse(in);
  nlohmann::json &input = j.contains("input") ? j["input"] : j["inputs"][0];
  input["shape"][batch_dim] = batch;
  ir::Graph g = frontend::parse_json_spec(j.dump(), spec, source_path("examples"));

  TempDir dir;
  codegen::CompileOptions options;
  options.out_dir = dir / "lib";
  options.cache_dir = codegen::default_cache_dir();
  passes::PassOptions o2;
  o2.passes = passes::passes_for_level(2);
  codegen::CompileReport report = codegen::compile_library(passes::run_passes(g, o2), options);

  std::vector<reference::Tensor> inputs;
  for (size_t i = 0; i < g.inputs.size(); i++) {
    const ir::TensorType &t = g.value(g.inputs[i]).type;
    inputs.emplace_back(t.shape, random_floats(t.numel(), 31 + i));
  }
  std::vector<reference::Tensor> expected = reference::run_graph(g, inputs);

  codegen::LoadedLibrary lib(report.shared_library, report.name);
  codegen::LoadedLibrary::Instance instance(lib);
  ASSERT_EQ(lib.outputs().size(), expected.size());
  std::vector<const float *> in_ptrs;
  for (const auto &t : inputs) in_ptrs.push_back(t.data.data());
  std::vector<std::vector<float>> got;
  std::vector<float *> out_ptrs;
  for (const auto &info : lib.outputs()) got.emplace_back(info.size);
  for (auto &o : got) out_ptrs.push_back(o.data());
  instance.run(in_ptrs, out_ptrs);

  for (size_t k = 0; k < expected.size(); k++) {
    const std::vector<float> &want = expected[k].data;
    ASSERT_EQ(got[k].size(), want.size());
    double scale = 0, worst = 0;
    for (float w : want) scale = std::max(scale, static_cast<double>(std::fabs(w)));
    ASSERT_GT(scale, 0) << "the reference output is all zeros: the check would prove nothing";
    size_t bad = 0;
    for (size_t i = 0; i < want.size(); i++) {
      double diff = std::fabs(static_cast<double>(got[k][i]) - want[i]);
      worst = std::max(worst, diff);
      if (!(diff <= 1e-4 * (1 + scale))) bad++;
    }
    EXPECT_EQ(bad, 0u) << spec << " at batch " << batch << ", output " << k
                       << ": max |compiled - reference| " << worst;
  }
}

}  // namespace kiln::testing
