// PyTorch as the oracle of many one-node cases in one Python run (each run
// pays torch's import once): the cases' inputs go to DIR/in_K.f32, one line
// per case to DIR/cases.txt, and `script` (run with Debian's python3, DIR as
// its argument) writes DIR/out_K.f32.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "tests/codegen_test_util.h"
#include "tests/test_util.h"

namespace kiln::testing {

// PyTorch's output of every case, in order; empty (and the test failed) when
// the script fails.
inline std::vector<std::vector<float>> torch_batch_outputs(const std::string &script,
                                                           const std::vector<OneNode> &graphs,
                                                           const std::string &case_lines) {
  TempDir dir;
  std::ofstream(dir / "script.py") << script;
  for (size_t k = 0; k < graphs.size(); k++) {
    std::vector<std::vector<float>> arrays;
    for (const auto &t : graphs[k].inputs) arrays.push_back(t.data);
    write_floats(dir / ("in_" + std::to_string(k) + ".f32"), arrays);
  }
  std::ofstream(dir / "cases.txt") << case_lines;
  CommandResult r =
      run_shell("/usr/bin/python3 " + (dir / "script.py") + " " + dir.path().string());
  if (r.exit_code != 0) {
    ADD_FAILURE() << "the PyTorch script failed:\n" << r.output;
    return {};
  }
  std::vector<std::vector<float>> outs;
  for (size_t k = 0; k < graphs.size(); k++)
    outs.push_back(read_floats(dir / ("out_" + std::to_string(k) + ".f32")));
  return outs;
}

// The reference interpreter's output 0 of the node.
inline reference::Tensor reference_output(const OneNode &g) {
  std::vector<const reference::Tensor *> p;
  for (const auto &t : g.inputs) p.push_back(&t);
  return reference::run_node(g.n(), p).at(0);
}

}  // namespace kiln::testing
