// kiln bench and what it stands on: the generated library's profiling API
// (NAME_num_steps, NAME_step_name, NAME_run_profiled), the batch override and
// the JSON table. No timing thresholds: the machine is shared; only the
// structure and consistency of the figures are checked.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "bench/stats.h"
#include "bench/with_batch.h"
#include "codegen/compile_library.h"
#include "codegen/kernel_compiler.h"
#include "codegen/loaded_library.h"
#include "frontend/load_model.h"
#include "ir/errors.h"
#include "ir/ops/conv_algorithm.h"
#include "passes/pass_manager.h"
#include "test_util.h"

namespace kiln {
namespace {

using testing::run_shell;
using testing::TempDir;

std::string lenet() { return testing::source_path("examples/lenet5.json"); }

nlohmann::json read_json(const std::string &path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);  // throws on a malformed file
}

// The kernels `kiln compile` makes for the spec at -O2, by node name.
std::vector<std::string> compiled_kernels(const std::string &spec, const TempDir &dir) {
  auto r = run_shell(testing::kiln_binary() + " compile " + spec + " -o " + (dir / "lib") +
                     " --quiet --report " + (dir / "report.json"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  nlohmann::json report = read_json(dir / "report.json");
  std::vector<std::string> nodes;
  for (const auto &k : report["kernels"]) nodes.push_back(k["node"]);
  return nodes;
}

TEST(Bench, LeNet5TableMatchesTheCompiledKernels) {
  TempDir dir;
  auto r = run_shell(testing::kiln_binary() + " bench " + lenet() +
                     " --repeat 3 --warmup 1 --json " + (dir / "bench.json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Progress (stderr) and the table (stdout) are both in the output.
  EXPECT_NE(r.output.find("timing: run 3/3"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("end to end, batch 1"), std::string::npos) << r.output;

  nlohmann::json j = read_json(dir / "bench.json");
  std::vector<std::string> expected = compiled_kernels(lenet(), dir);
  ASSERT_FALSE(expected.empty());
  ASSERT_EQ(j["kernels"].size(), expected.size()) << j.dump(2);
  EXPECT_EQ(j["model"], "lenet5");
  EXPECT_EQ(j["batch"], 1);
  EXPECT_EQ(j["repeat"], 3);
  double share_sum = 0, ms_sum = 0;
  for (size_t i = 0; i < expected.size(); i++) {
    const auto &k = j["kernels"][i];
    EXPECT_EQ(k["node"], expected[i]);
    EXPECT_NE(r.output.find(expected[i]), std::string::npos) << "table lacks " << expected[i];
    EXPECT_GT(k["median_ms"].get<double>(), 0) << k.dump();
    EXPECT_GE(k["gflops"].get<double>(), 0) << k.dump();
    EXPECT_GE(k["percent_of_peak"].get<double>(), 0) << k.dump();
    EXPECT_EQ(k["output_shape"][0], 1) << k.dump();
    if (k["op"] == "conv2d") {  // select-algorithm chose a concrete one
      const auto &all = ir::ops::conv_algorithms();
      EXPECT_NE(std::find(all.begin(), all.end(), k["algorithm"].get<std::string>()), all.end())
          << k.dump();
    }
    if (k["op"] == "conv2d" || k["op"] == "dense") {
      EXPECT_GT(k["flops"].get<int64_t>(), 0) << k.dump();
    }
    share_sum += k["share_percent"].get<double>();
    ms_sum += k["median_ms"].get<double>();
  }
  EXPECT_NEAR(share_sum, 100.0, 0.01);
  EXPECT_NEAR(j["kernels_ms"].get<double>(), ms_sum, 1e-9);
  const auto &e2e = j["end_to_end"];
  EXPECT_GT(e2e["median_ms"].get<double>(), 0);
  EXPECT_LE(e2e["p10_ms"].get<double>(), e2e["median_ms"].get<double>());
  EXPECT_LE(e2e["median_ms"].get<double>(), e2e["p90_ms"].get<double>());
  EXPECT_NEAR(e2e["images_per_second"].get<double>(), 1000.0 / e2e["median_ms"].get<double>(),
              1e-6);
  for (const char *which : {"one_core", "all_cores", "used"})
    EXPECT_GT(j["peak"][which]["gflops"].get<double>(), 0) << which;
  EXPECT_EQ(j["peak"]["one_core"]["threads"], 1);
}

TEST(Bench, BatchOptionRebatchesEveryKernel) {
  TempDir dir;
  auto r = run_shell(testing::kiln_binary() + " bench " + lenet() +
                     " --batch 3 --repeat 1 --warmup 0 --threads 1 --json " + (dir / "bench.json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  nlohmann::json j = read_json(dir / "bench.json");
  EXPECT_EQ(j["batch"], 3);
  EXPECT_EQ(j["threads"], 1);
  EXPECT_EQ(j["peak"]["used"]["threads"], 1);
  for (const auto &k : j["kernels"]) EXPECT_EQ(k["output_shape"][0], 3) << k.dump();
  EXPECT_NEAR(j["end_to_end"]["images_per_second"].get<double>(),
              3 * 1000.0 / j["end_to_end"]["median_ms"].get<double>(), 1e-6);
}

TEST(Bench, HelpNamesEveryOption) {
  auto r = run_shell(testing::kiln_binary() + " bench --help");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char *option : {"usage: kiln bench", "--batch", "--repeat", "--warmup", "--threads",
                             "--json", "--peak", "-O"})
    EXPECT_NE(r.output.find(option), std::string::npos) << option << "\n" << r.output;
  EXPECT_NE(run_shell(testing::kiln_binary() + " --help").output.find("bench"), std::string::npos);
}

TEST(Bench, PeakAlonePrintsOneAndAllCores) {
  auto r = run_shell(testing::kiln_binary() + " bench --peak");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      r.output, m, std::regex(R"(1 core ([0-9.]+) GFLOP/s, ([0-9]+) cores ([0-9.]+) GFLOP/s)")))
      << r.output;
  EXPECT_GT(std::stod(m[1]), 0);
  EXPECT_GE(std::stoi(m[2]), 1);
  EXPECT_GT(std::stod(m[3]), 0);
}

TEST(Bench, BadOptionsFailWithAMessage) {
  struct Case {
    std::string args, message;
  };
  for (const Case &c : {Case{"--repeat 0", "--repeat must be at least 1"},
                        Case{"--batch 0", "batch size must be positive"},
                        Case{"--warmup -1", "--warmup must not be negative"}}) {
    auto r = run_shell(testing::kiln_binary() + " bench " + lenet() + " " + c.args);
    EXPECT_EQ(r.exit_code, 1) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << c.args << "\n" << r.output;
  }
}

TEST(Bench, WithBatchReinfersEveryShape) {
  ir::Graph g = frontend::load_model(lenet());
  ir::Graph b = bench::with_batch(g, 5);
  ASSERT_EQ(b.nodes.size(), g.nodes.size());
  EXPECT_EQ(b.value(b.inputs[0]).type.shape, (ir::Shape{5, 1, 32, 32}));
  EXPECT_EQ(b.value(b.outputs[0]).type.shape, (ir::Shape{5, 10}));
  for (int id : b.param_ids()) EXPECT_EQ(b.value(id).type, g.value(id).type);
  EXPECT_THROW(bench::with_batch(g, -2), UserError);
}

TEST(Bench, QuantilesInterpolate) {
  EXPECT_DOUBLE_EQ(bench::median({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(bench::median({4, 1, 2, 3}), 2.5);
  EXPECT_DOUBLE_EQ(bench::quantile({0, 10}, 0.1), 1);
  EXPECT_DOUBLE_EQ(bench::quantile({7}, 0.9), 7);
  EXPECT_NEAR(bench::geometric_mean({1, 4}), 2, 1e-12);
}

// The profiling API seen from C, through the generated header only; and
// from C++ through LoadedLibrary: one step per compiled kernel, named after
// its node, and the same outputs as a plain run.
TEST(Bench, ProfilingApiFromCAndCpp) {
  ir::Graph g = frontend::load_model(lenet());
  passes::PassOptions o2;
  o2.passes = passes::passes_for_level(2);
  TempDir dir;
  codegen::CompileOptions options;
  options.out_dir = dir / "lib";
  options.cache_dir = codegen::default_cache_dir();
  codegen::CompileReport report = codegen::compile_library(passes::run_passes(g, o2), options);
  const std::string n = report.name;

  std::string defs = "-DMODEL=" + n + " '-DMODEL_HEADER=\"" + n + ".h\"' -I" + options.out_dir;
  auto built = run_shell("cc -O1 -std=c99 -Wall -Werror " + defs + " " +
                         testing::source_path("tests/data/bench/profile_driver.c") + " -L" +
                         options.out_dir + " -l" + n + " -Wl,-rpath," + options.out_dir + " -o " +
                         (dir / "driver"));
  ASSERT_EQ(built.exit_code, 0) << built.output;
  auto ran = run_shell(dir / "driver");
  ASSERT_EQ(ran.exit_code, 0) << ran.output;
  std::istringstream lines(ran.output);
  std::string word, name;
  int index = 0;
  double seconds = 0;
  size_t steps = 0;
  while (lines >> word >> index >> name >> seconds) {
    ASSERT_LT(steps, report.kernels.size()) << ran.output;
    EXPECT_EQ(word, "step");
    EXPECT_EQ(index, static_cast<int>(steps));
    EXPECT_EQ(name, report.kernels[steps].node);
    EXPECT_GE(seconds, 0);
    steps++;
  }
  EXPECT_EQ(steps, report.kernels.size()) << ran.output;

  codegen::LoadedLibrary lib(report.shared_library, n);
  ASSERT_EQ(lib.step_names().size(), report.kernels.size());
  for (size_t s = 0; s < report.kernels.size(); s++)
    EXPECT_EQ(lib.step_names()[s], report.kernels[s].node);
  codegen::LoadedLibrary::Instance instance(lib);
  std::vector<float> x = testing::random_floats(lib.inputs()[0].size, 3);
  std::vector<float> plain(lib.outputs()[0].size), profiled(lib.outputs()[0].size);
  instance.run({x.data()}, {plain.data()});
  std::vector<double> times = instance.run_profiled({x.data()}, {profiled.data()});
  ASSERT_EQ(times.size(), report.kernels.size());
  double total = 0;
  for (double t : times) {
    EXPECT_GE(t, 0);
    total += t;
  }
  EXPECT_GT(total, 0);
  EXPECT_EQ(plain, profiled);
}

}  // namespace
}  // namespace kiln
