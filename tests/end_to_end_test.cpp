// End to end: a JSON spec compiled to libNAME.so / libNAME.a, linked into a
// plain C program with cc (header and library only), run on two threads, and
// compared with the reference interpreter.
//
// Tolerance: |compiled - reference| <= 1e-4 + 1e-4 * |reference|. Compiled
// kernels sum in float32 in a different order than the reference (which
// accumulates in double); errors of a few 1e-6 per layer are expected.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "codegen/compile_library.h"
#include "codegen/kernel_compiler.h"
#include "frontend/load_model.h"
#include "ir/errors.h"
#include "passes/pass_manager.h"
#include "reference/interpreter.h"
#include "test_util.h"

namespace kiln {
namespace {

using testing::TempDir;

// The spec, relative to the repository root.
class EndToEnd : public ::testing::TestWithParam<std::string> {};

std::vector<reference::Tensor> random_inputs(const ir::Graph &g) {
  std::vector<reference::Tensor> inputs;
  for (size_t i = 0; i < g.inputs.size(); i++) {
    const auto &t = g.value(g.inputs[i]).type;
    inputs.emplace_back(t.shape, testing::random_floats(t.numel(), 100 + i));
  }
  return inputs;
}

void expect_close(const std::vector<reference::Tensor> &ref, const std::vector<float> &got) {
  size_t total = 0;
  for (const auto &t : ref) total += t.data.size();
  ASSERT_EQ(got.size(), total);
  size_t k = 0, bad = 0;
  double worst = 0;
  for (const auto &t : ref)
    for (float r : t.data) {
      double diff = std::fabs(got[k++] - r);
      worst = std::max(worst, diff);
      if (diff > 1e-4 + 1e-4 * std::fabs(r)) bad++;
    }
  EXPECT_EQ(bad, 0u) << "max abs difference " << worst;
}

TEST_P(EndToEnd, CProgramMatchesReference) {
  ir::Graph g = frontend::load_model(testing::source_path(GetParam()));
  TempDir dir;
  codegen::CompileOptions options;
  options.out_dir = dir / "lib";
  options.cache_dir = codegen::default_cache_dir();
  // The library is built from the -O2 graph; the reference runs the spec as written.
  passes::PassOptions o2;
  o2.passes = passes::passes_for_level(2);
  codegen::CompileReport report = codegen::compile_library(passes::run_passes(g, o2), options);
  const std::string n = report.name;

  std::vector<reference::Tensor> inputs = random_inputs(g);
  std::vector<std::vector<float>> raw;
  for (const auto &t : inputs) raw.push_back(t.data);
  testing::write_floats(dir / "in.f32", raw);
  std::vector<reference::Tensor> expected = reference::run_graph(g, inputs);

  std::string driver = testing::source_path("tests/data/model_driver.c");
  std::string defs = "-DMODEL=" + n + " '-DMODEL_HEADER=\"" + n + ".h\"' -I" + options.out_dir;
  // Against the shared library: only the header and the .so.
  auto built = testing::run_shell("cc -O1 -std=gnu11 " + defs + " " + driver + " -L" +
                                  options.out_dir + " -l" + n + " -Wl,-rpath," + options.out_dir +
                                  " -lpthread -o " + (dir / "driver_shared"));
  ASSERT_EQ(built.exit_code, 0) << built.output;
  auto ran = testing::run_shell(dir / "driver_shared" + " " + (dir / "in.f32") + " " + (dir / "out_shared.f32"));
  ASSERT_EQ(ran.exit_code, 0) << ran.output;
  expect_close(expected, testing::read_floats(dir / "out_shared.f32"));

  // Against the static library: the .a plus the system libraries it needs.
  built = testing::run_shell("cc -O1 -std=gnu11 " + defs + " " + driver + " " + report.static_library +
                             " -lpthread -ldl -lm -o " + (dir / "driver_static"));
  ASSERT_EQ(built.exit_code, 0) << built.output;
  ran = testing::run_shell(dir / "driver_static" + " " + (dir / "in.f32") + " " + (dir / "out_static.f32"));
  ASSERT_EQ(ran.exit_code, 0) << ran.output;
  expect_close(expected, testing::read_floats(dir / "out_static.f32"));
}

TEST_P(EndToEnd, LibraryExportsOnlyItsApi) {
  ir::Graph g = frontend::load_model(testing::source_path(GetParam()));
  TempDir dir;
  codegen::CompileOptions options;
  options.out_dir = dir / "lib";
  options.cache_dir = codegen::default_cache_dir();
  codegen::CompileReport report = codegen::compile_library(g, options);
  auto syms = testing::run_shell("nm -D --defined-only " + report.shared_library + " | awk '{print $3}'");
  ASSERT_EQ(syms.exit_code, 0);
  std::istringstream lines(syms.output);
  std::string sym;
  int api = 0;
  while (std::getline(lines, sym)) {
    if (sym.empty()) continue;
    EXPECT_EQ(sym.rfind(report.name + "_", 0), 0u) << "unexpected exported symbol " << sym;
    api++;
  }
  EXPECT_GE(api, 10);
}

INSTANTIATE_TEST_SUITE_P(Examples, EndToEnd,
                         ::testing::Values("examples/lenet5.json", "examples/tiny_resnet.json",
                                           "examples/resnet18.json", "examples/densenet_block.json",
                                           "examples/inception_module.json",
                                           "examples/encoder_decoder.json",
                                           "examples/lstm_classifier.json"),
                         [](const auto &info) {
                           std::string s = info.param;
                           s = s.substr(s.find('/') + 1);
                           return s.substr(0, s.find('.'));
                         });

TEST(EndToEnd, FailedCompileLeavesNothing) {
  ir::Graph g = frontend::load_model(testing::source_path("examples/lenet5.json"));
  TempDir dir;
  codegen::CompileOptions options;
  options.out_dir = dir / "out";
  options.name = "not a C name";
  EXPECT_THROW(codegen::compile_library(g, options), UserError);
  EXPECT_FALSE(std::filesystem::exists(options.out_dir));
  options.name = "";
  options.target = "no-such-target";
  EXPECT_THROW(codegen::compile_library(g, options), UserError);
  EXPECT_FALSE(std::filesystem::exists(options.out_dir));
}

}  // namespace
}  // namespace kiln
