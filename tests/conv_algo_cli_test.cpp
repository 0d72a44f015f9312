// `--conv-algo` on the command line: kiln inspect shows each convolution's
// algorithm and why, kiln compile prints it and writes it into --report,
// kiln bench's table carries it, measure prints its progress, and bad uses
// fail with a message that says what to do.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "test_util.h"

namespace kiln {
namespace {

using testing::run_shell;
using testing::TempDir;

std::string convmix() { return testing::source_path("tests/data/conv_algo/convmix.json"); }

nlohmann::json read_json(const std::string &path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

// The line of `text` that starts (after spaces) with `head`.
std::string line_of(const std::string &text, const std::string &head) {
  size_t at = text.find("\n  " + head + " ");
  if (at == std::string::npos) return "";
  size_t end = text.find('\n', at + 1);
  return text.substr(at + 1, end - at - 1);
}

TEST(ConvAlgoCli, InspectShowsEachConvsAlgorithmAndWhy) {
  auto r = run_shell(testing::kiln_binary() + " inspect " + convmix());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("convolution algorithms (--conv-algo auto)"), std::string::npos)
      << r.output;
  for (const char *conv : {"stem", "dw", "pw"}) {
    std::string line = line_of(r.output, conv);
    EXPECT_NE(line.find("auto: "), std::string::npos) << conv << ": " << r.output;
    EXPECT_NE(line.find("model predicts"), std::string::npos) << line;
  }
  EXPECT_NE(line_of(r.output, "down").find("direct       set in the model"), std::string::npos)
      << r.output;

  r = run_shell(testing::kiln_binary() + " inspect --conv-algo winograd " + convmix());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(line_of(r.output, "pw")
                .find("winograd does not fit (winograd_f2 needs a 3x3 kernel (this one is 1x1))"),
            std::string::npos)
      << r.output;
  std::string stem = line_of(r.output, "stem");
  EXPECT_TRUE(stem.find(" winograd_f2 ") != std::string::npos ||
              stem.find(" winograd_f4 ") != std::string::npos)
      << stem;
  EXPECT_NE(stem.find("--conv-algo winograd"), std::string::npos) << stem;
}

TEST(ConvAlgoCli, InspectJsonHasTheAlgorithmPerConvLayer) {
  auto r = run_shell(testing::kiln_binary() + " inspect --json --conv-algo direct " + convmix() +
                     " 2>/dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  nlohmann::json j = nlohmann::json::parse(r.output);
  int convs = 0;
  for (const auto &layer : j["layers"]) {
    if (layer["op"] != "conv2d") continue;
    convs++;
    EXPECT_EQ(layer["algorithm"], "direct") << layer.dump();
    std::string reason = layer["algorithm_reason"];
    EXPECT_TRUE(reason == "--conv-algo direct" || reason == "set in the model") << reason;
  }
  EXPECT_EQ(convs, 4);
}

TEST(ConvAlgoCli, CompilePrintsAndReportsTheChoices) {
  TempDir dir;
  auto r = run_shell(testing::kiln_binary() + " compile " + convmix() + " -o " + (dir / "out") +
                     " --conv-algo direct --report " + (dir / "report.json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("pass select-algorithm"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("conv stem"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--conv-algo direct"), std::string::npos) << r.output;
  nlohmann::json report = read_json(dir / "report.json");
  ASSERT_EQ(report["conv_algorithms"].size(), 4u) << report.dump(2);
  for (const auto &c : report["conv_algorithms"]) {
    EXPECT_EQ(c["algorithm"], "direct") << c.dump();
    EXPECT_FALSE(c["reason"].get<std::string>().empty()) << c.dump();
  }
  EXPECT_EQ(report["conv_algorithms"][0]["node"], "stem");
}

TEST(ConvAlgoCli, MeasureTimesTheCandidatesAndKeepsOneThatRuns) {
  TempDir dir;
  auto r = run_shell(testing::kiln_binary() + " compile " + convmix() + " -o " + (dir / "out") +
                     " --conv-algo measure --report " + (dir / "report.json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // stem, dw and pw are measured; down's algorithm is set in the spec.
  EXPECT_NE(r.output.find("measuring conv 1/3 stem: direct "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("measuring conv 3/3 pw: "), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("measuring conv 4/"), std::string::npos) << r.output;
  nlohmann::json report = read_json(dir / "report.json");
  ASSERT_EQ(report["conv_algorithms"].size(), 4u);
  for (const auto &c : report["conv_algorithms"]) {
    std::string reason = c["reason"];
    if (c["node"] == "down") continue;
    EXPECT_EQ(reason.rfind("measured: ", 0), 0u) << reason;
    // The winner is one of the timed candidates.
    EXPECT_NE(reason.find(c["algorithm"].get<std::string>() + " "), std::string::npos) << reason;
  }
}

TEST(ConvAlgoCli, BenchTableShowsTheAlgorithm) {
  TempDir dir;
  auto r = run_shell(testing::kiln_binary() + " bench " + convmix() +
                     " --repeat 2 --warmup 1 --conv-algo direct --json " + (dir / "bench.json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  nlohmann::json j = read_json(dir / "bench.json");
  int convs = 0;
  for (const auto &k : j["kernels"])
    if (k["op"] == "conv2d") {
      convs++;
      EXPECT_EQ(k["algorithm"], "direct") << k.dump();
    }
  EXPECT_EQ(convs, 4);
}

TEST(ConvAlgoCli, BadUsesSayWhatToDo) {
  TempDir dir;
  auto r = run_shell(testing::kiln_binary() + " compile " + convmix() + " -o " + (dir / "out") +
                     " --conv-algo fastest");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(
      r.output.find(
          "--conv-algo must be one of auto, measure, direct, im2col, winograd, depthwise; got "
          "'fastest'"),
      std::string::npos)
      << r.output;
  r = run_shell(testing::kiln_binary() + " compile " + convmix() + " -o " + (dir / "out") +
                " -O0 --conv-algo direct");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("--conv-algo needs the select-algorithm pass"), std::string::npos)
      << r.output;
  for (const char *cmd : {"compile", "bench", "inspect", "run"}) {
    r = run_shell(testing::kiln_binary() + " " + cmd + " --help");
    EXPECT_NE(r.output.find("--conv-algo"), std::string::npos) << cmd << ": " << r.output;
  }
}

}  // namespace
}  // namespace kiln
