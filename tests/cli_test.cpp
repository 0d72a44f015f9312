// The kiln command line: help, inspect figures, and bad input (a one-line
// error naming the field or node, a non-zero exit, and no output files).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "test_util.h"

namespace kiln {
namespace {

using testing::run_shell;
using testing::TempDir;

TEST(Cli, EverySubcommandHasHelp) {
  for (const char *cmd : {"compile", "run", "inspect", "export-weights"}) {
    auto r = run_shell(testing::kiln_binary() + " " + cmd + " --help");
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_NE(r.output.find("usage: kiln"), std::string::npos) << r.output;
  }
  EXPECT_EQ(run_shell(testing::kiln_binary() + " --help").exit_code, 0);
  EXPECT_NE(run_shell(testing::kiln_binary() + " frobnicate").exit_code, 0);
}

TEST(Cli, InspectReportsLeNet5ParameterCounts) {
  auto r = run_shell(testing::kiln_binary() + " inspect " + testing::source_path("examples/lenet5.json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // The five weighted layers of LeNet-5 and the total (weights + biases).
  for (const char *line : {"c1 ", "c3 ", "c5 ", "f6 ", "logits "}) {
    EXPECT_NE(r.output.find(line), std::string::npos) << line;
  }
  for (const char *count : {" 156 ", " 2,416 ", " 48,120 ", " 10,164 ", " 850 ", " 61,706 "})
    EXPECT_NE(r.output.find(count), std::string::npos) << "missing " << count << "\n" << r.output;
}

struct BadInput {
  std::string file;
  std::vector<std::string> expected;  // fragments of the message
};

class CliBadInput : public ::testing::TestWithParam<BadInput> {};

TEST_P(CliBadInput, OneLineErrorNonZeroExitNoOutput) {
  TempDir dir;
  std::string out = dir / "out";
  auto r = run_shell(testing::kiln_binary() + " compile " +
                     testing::source_path("tests/data/cli/" + GetParam().file) + " -o " + out);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  EXPECT_NE(r.output.find(GetParam().file), std::string::npos) << r.output;
  for (const auto &fragment : GetParam().expected)
    EXPECT_NE(r.output.find(fragment), std::string::npos) << "missing '" << fragment << "' in " << r.output;
  EXPECT_FALSE(std::filesystem::exists(out));
}

INSTANTIATE_TEST_SUITE_P(
    Specs, CliBadInput,
    ::testing::Values(BadInput{"malformed.json", {"line 5"}},
                      BadInput{"unknown_layer.json", {"layers[1]", "convolution3d"}},
                      BadInput{"missing_field.json", {"layers[2]", "filters"}},
                      BadInput{"add_mismatch.json", {"sum", "1x16x8x8", "1x8x8x8"}},
                      BadInput{"concat_mismatch.json", {"joined", "1x8x4x4", "1x8x8x8"}}),
    [](const auto &info) {
      std::string s = info.param.file;
      return s.substr(0, s.find('.'));
    });

TEST(Cli, MissingModelFile) {
  TempDir dir;
  auto r = run_shell(testing::kiln_binary() + " compile " + (dir / "nope.json") + " -o " + (dir / "out"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("nope.json"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "out"));
}

TEST(Cli, RunComparesWithReference) {
  auto r = run_shell(testing::kiln_binary() + " run " + testing::source_path("examples/lenet5.json") +
                     " --engine both --repeat 3 --input " + testing::source_path("examples/data/digit7.f32"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("output logits [1x10]"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("latency (reference interpreter)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("max |compiled - reference|"), std::string::npos) << r.output;
}

TEST(Cli, RunRejectsWrongSizedInput) {
  auto r = run_shell(testing::kiln_binary() + " run " + testing::source_path("examples/lenet5.json") +
                     " --engine reference --input " + testing::source_path("tests/data/cli/malformed.json"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("expected 4096 bytes"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace kiln
