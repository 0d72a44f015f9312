// Runs an example spec at another batch size as a compiled library (-O2,
// opened with dlopen) and compares it with the reference interpreter running
// the same spec. The batch is one dimension of the spec's only input: 0 for
// images ([N, C, H, W]), 1 for sequences ([T, N, I]).
//
// Tolerance: |compiled - reference| <= 1e-4 * (1 + max |reference|).
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "frontend/json/json_spec.h"
#include "tests/library_test_util.h"

namespace kiln::testing {

inline void expect_example_matches_reference(const std::string &spec, int batch_dim,
                                             int64_t batch) {
  std::ifstream in(source_path(spec));
  nlohmann::json j = nlohmann::json::parse(in);
  nlohmann::json &input = j.contains("input") ? j["input"] : j["inputs"][0];
  input["shape"][batch_dim] = batch;
  ir::Graph g = frontend::parse_json_spec(j.dump(), spec, source_path("examples"));

  std::vector<reference::Tensor> inputs = random_graph_inputs(g, 31);
  expect_close_to_scale(run_compiled(optimized(g), inputs), reference::run_graph(g, inputs), 1e-4,
                        spec + " at batch " + std::to_string(batch));
}

}  // namespace kiln::testing
