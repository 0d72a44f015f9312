// select-algorithm (passes/select_algorithm.h): every conv2d leaves with a
// legal algorithm and a reason; user choices stay; forced modes fall back
// where they do not fit; measure keeps the fastest candidate (timings
// injected, so the test does not depend on this machine's noise); and a
// library whose convs use different algorithms matches the reference
// interpreter (|got - want| <= 1e-4 + 1e-4 |want|, as end_to_end_test).
#include "passes/select_algorithm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "bench/compiled_model.h"
#include "bench/conv_candidate_timer.h"
#include "frontend/load_model.h"
#include "ir/errors.h"
#include "ir/ops/conv_algorithm.h"
#include "passes/pass_manager.h"
#include "reference/interpreter.h"
#include "test_util.h"

namespace kiln {
namespace {

using passes::AlgorithmChoice;
using passes::ConvAlgoOptions;

// stem 3x3 s1, dw 3x3 depthwise, pw 1x1, down 3x3 s2 with "algorithm": "direct".
ir::Graph convmix() {
  return frontend::load_model(testing::source_path("tests/data/conv_algo/convmix.json"));
}

const ir::Node &node(const ir::Graph &g, const std::string &name) {
  return g.node(g.find_node(name));
}

std::string algorithm(const ir::Graph &g, const std::string &name) {
  return node(g, name).attrs.get_string("algorithm");
}

std::map<std::string, AlgorithmChoice> by_node(const std::vector<AlgorithmChoice> &choices) {
  std::map<std::string, AlgorithmChoice> m;
  for (const auto &c : choices) m[c.node] = c;
  return m;
}

void expect_legal(const ir::Graph &g) {
  for (const ir::Node &n : g.nodes) {
    if (n.op != "conv2d") continue;
    std::string a = n.attrs.get_string("algorithm");
    EXPECT_NE(a, "auto") << n.name;
    EXPECT_EQ(ir::ops::conv_algorithm_unfit(a, n.attrs, g.value(n.inputs[0]).type.shape), "")
        << n.name;
  }
}

// A model with round numbers: direct at half the peak, im2col at a quarter
// except the 1x1 GEMM path at 0.9, Winograd at half (with its smaller
// multiply count), depthwise not lowered.
passes::CostModelConstants round_model() {
  return {"test",
          100.0,
          {{"direct", 0.5, 0, 0, 0},
           {"direct_pointwise", 0.5, 0, 0, 0},
           {"im2col", 0.25, 0, 0, 0},
           {"im2col_gemm", 0.9, 0, 0, 0},
           {"winograd_f2", 0.5, 0, 0, 0},
           {"winograd_f4", 0.5, 0, 0, 0},
           {"depthwise", 0.9, 0, 0, 0}},
          {"direct", "im2col", "winograd_f2", "winograd_f4"}};
}

TEST(SelectAlgorithm, AutoWithTheFittedModelPicksLegalLoweredAlgorithms) {
  std::vector<AlgorithmChoice> choices;
  ir::Graph g = passes::select_algorithm(convmix(), ConvAlgoOptions{}, &choices);
  expect_legal(g);
  ASSERT_EQ(choices.size(), 4u);
  const auto &lowered = passes::fitted_conv_cost_model().lowered_algorithms;
  for (const auto &c : choices) {
    if (c.node == "down") continue;
    EXPECT_NE(std::find(lowered.begin(), lowered.end(), c.algorithm), lowered.end()) << c.algorithm;
    EXPECT_EQ(c.reason.rfind("auto: ", 0), 0u) << c.reason;
    EXPECT_NE(c.reason.find("model predicts"), std::string::npos) << c.reason;
  }
}

TEST(SelectAlgorithm, AutoFollowsTheModel) {
  std::vector<AlgorithmChoice> choices;
  ir::Graph g = passes::select_algorithm(convmix(), ConvAlgoOptions{}, &choices, round_model());
  auto c = by_node(choices);
  // 3x3 stride 1: F(4x4) does 4/9... of direct's multiplies: (6*6)/(9*16) = 0.25.
  EXPECT_EQ(algorithm(g, "stem"), "winograd_f4");
  EXPECT_NE(c["stem"].reason.find("3x3 stride 1, 3->8 channels, 12x12 out"), std::string::npos)
      << c["stem"].reason;
  EXPECT_NE(c["stem"].reason.find("4.00x over direct"), std::string::npos) << c["stem"].reason;
  EXPECT_EQ(algorithm(g, "pw"), "im2col");
  EXPECT_NE(c["pw"].reason.find("1.80x over direct"), std::string::npos) << c["pw"].reason;
  // depthwise is not in lowered_algorithms, so auto leaves it out.
  EXPECT_EQ(algorithm(g, "dw"), "direct");
  EXPECT_NE(c["dw"].reason.find("in 8 groups"), std::string::npos) << c["dw"].reason;
  EXPECT_NE(c["dw"].reason.find("2.00x over im2col"), std::string::npos) << c["dw"].reason;
}

TEST(SelectAlgorithm, KeepsWhatTheModelSays) {
  ir::Graph in = convmix();
  in.nodes[in.find_node("pw")].attrs.set("algorithm", std::string("im2col"));
  for (const char *mode : {"auto", "direct", "winograd"}) {
    std::vector<AlgorithmChoice> choices;
    ConvAlgoOptions o;
    o.mode = mode;
    ir::Graph g = passes::select_algorithm(in, o, &choices, round_model());
    EXPECT_EQ(algorithm(g, "pw"), "im2col") << mode;
    EXPECT_EQ(algorithm(g, "down"), "direct") << mode;
    EXPECT_EQ(by_node(choices)["pw"].reason, "set in the model");
  }
}

TEST(SelectAlgorithm, ForcedAlgorithmFallsBackWhereItDoesNotFit) {
  ConvAlgoOptions o;
  o.mode = "winograd";
  std::vector<AlgorithmChoice> choices;
  ir::Graph g = passes::select_algorithm(convmix(), o, &choices, round_model());
  expect_legal(g);
  auto c = by_node(choices);
  EXPECT_EQ(algorithm(g, "stem"), "winograd_f4");  // the model's pick of the two
  EXPECT_EQ(c["stem"].reason.rfind("--conv-algo winograd: ", 0), 0u) << c["stem"].reason;
  EXPECT_NE(c["stem"].reason.find("over winograd_f2"), std::string::npos) << c["stem"].reason;
  // 1x1 and depthwise: winograd does not fit; auto decides instead.
  EXPECT_EQ(algorithm(g, "pw"), "im2col");
  EXPECT_NE(c["pw"].reason.find(
                "winograd does not fit (winograd_f2 needs a 3x3 kernel (this one is 1x1))"),
            std::string::npos)
      << c["pw"].reason;
  EXPECT_NE(c["pw"].reason.find("; auto: "), std::string::npos) << c["pw"].reason;
  EXPECT_NE(c["dw"].reason.find("winograd_f2 needs groups 1"), std::string::npos) << c["dw"].reason;

  o.mode = "depthwise";
  choices.clear();
  g = passes::select_algorithm(convmix(), o, &choices, round_model());
  c = by_node(choices);
  EXPECT_EQ(algorithm(g, "dw"), "depthwise");
  EXPECT_EQ(c["dw"].reason, "--conv-algo depthwise");
  EXPECT_EQ(algorithm(g, "stem"), "winograd_f4");
  EXPECT_NE(
      c["stem"].reason.find("depthwise does not fit (depthwise needs groups == input channels"),
      std::string::npos)
      << c["stem"].reason;

  o.mode = "direct";
  g = passes::select_algorithm(convmix(), o, nullptr, round_model());
  for (const char *name : {"stem", "dw", "pw", "down"}) EXPECT_EQ(algorithm(g, name), "direct");
}

TEST(SelectAlgorithm, MeasureKeepsTheFastestAndSkipsFailures) {
  // Injected timings: im2col fastest for pw, winograd_f2 for stem; winograd_f4
  // fails to compile; direct is the only candidate that runs for dw.
  std::map<std::string, double> ms = {{"direct", 2.0}, {"im2col", 1.5}, {"winograd_f2", 1.0}};
  std::vector<std::string> timed, lines;
  ConvAlgoOptions o;
  o.mode = "measure";
  o.time_ms = [&](const ir::Graph &, const ir::Node &conv) {
    std::string a = conv.attrs.get_string("algorithm");
    timed.push_back(conv.name + ":" + a);
    if (a == "winograd_f4") throw UserError("winograd_f4 exploded\nsecond line");
    if (conv.name == "dw" && a != "direct") throw UserError(a + " is not implemented yet");
    return ms.at(a) * (conv.name == "pw" && a == "winograd_f2" ? 10 : 1);
  };
  o.progress = [&](const std::string &line) { lines.push_back(line); };
  std::vector<AlgorithmChoice> choices;
  ir::Graph g = passes::select_algorithm(convmix(), o, &choices);
  expect_legal(g);
  EXPECT_EQ(algorithm(g, "stem"), "winograd_f2");
  EXPECT_EQ(algorithm(g, "pw"), "im2col");
  EXPECT_EQ(algorithm(g, "dw"), "direct");
  EXPECT_EQ(algorithm(g, "down"), "direct");  // set in the model: not measured
  for (const std::string &t : timed) EXPECT_EQ(t.rfind("down:", 0), std::string::npos) << t;
  // Only fitting candidates are timed: no winograd for the 1x1 conv.
  EXPECT_EQ(std::count(timed.begin(), timed.end(), "pw:winograd_f4"), 0);
  EXPECT_EQ(std::count(timed.begin(), timed.end(), "dw:depthwise"), 1);
  auto c = by_node(choices);
  EXPECT_EQ(c["stem"].reason,
            "measured: direct 2 ms, im2col 1.5 ms, winograd_f2 1 ms (winograd_f4 failed: "
            "winograd_f4 exploded)");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].rfind("measuring conv 1/3 stem: direct 2 ms", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find("-> winograd_f2"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("depthwise failed: depthwise is not implemented yet"), std::string::npos)
      << lines[1];
  EXPECT_EQ(lines[2].rfind("measuring conv 3/3 pw: ", 0), 0u) << lines[2];
}

TEST(SelectAlgorithm, MeasureFailsLoudlyWhenNothingRuns) {
  ConvAlgoOptions o;
  o.mode = "measure";
  o.time_ms = [](const ir::Graph &, const ir::Node &) -> double { throw UserError("no compiler"); };
  try {
    passes::select_algorithm(convmix(), o);
    FAIL() << "expected a UserError";
  } catch (const UserError &e) {
    EXPECT_NE(std::string(e.what()).find(
                  "conv2d 'stem': no algorithm could be measured (direct failed: no compiler"),
              std::string::npos)
        << e.what();
  }
}

TEST(SelectAlgorithm, UnknownModeNamesTheKnownOnes) {
  ConvAlgoOptions o;
  o.mode = "fastest";
  try {
    passes::select_algorithm(convmix(), o);
    FAIL() << "expected a UserError";
  } catch (const UserError &e) {
    EXPECT_NE(std::string(e.what()).find("unknown --conv-algo 'fastest' (known: auto, measure"),
              std::string::npos)
        << e.what();
  }
}

TEST(SelectAlgorithm, RunsLastAtO1AndO2AndRecordsItsChoices) {
  for (int level : {1, 2}) {
    auto names = passes::passes_for_level(level);
    ASSERT_FALSE(names.empty());
    // Only pretransform-winograd, which reads its choices, runs after it.
    ASSERT_GE(names.size(), 2u);
    EXPECT_EQ(names[names.size() - 2], "select-algorithm") << level;
    EXPECT_EQ(names.back(), "pretransform-winograd") << level;
  }
  passes::PassOptions options;
  options.passes = passes::passes_for_level(2);
  options.conv_algo.mode = "direct";
  std::vector<passes::PassRecord> records;
  ir::Graph g = passes::run_passes(convmix(), options, &records);
  ASSERT_EQ(records[records.size() - 2].name, "select-algorithm");
  ASSERT_EQ(records[records.size() - 2].algorithm_choices.size(), 4u);
  for (const ir::Node &n : g.nodes) {
    if (n.op == "conv2d") {
      EXPECT_EQ(n.attrs.get_string("algorithm"), "direct") << n.name;
    }
  }
  // The other passes record no choices.
  for (size_t i = 0; i < records.size(); i++)
    if (records[i].name != "select-algorithm") EXPECT_TRUE(records[i].algorithm_choices.empty());
}

// Whether `algorithm` compiles and runs for this node alone today (the other
// lowerings may still be placeholders, or fail on some shapes: their own
// tests cover that); why not, when it does not.
std::string unusable(const ir::Graph &g, const ir::Node &conv, const std::string &algorithm) {
  ir::Node n = conv;
  n.attrs.set("algorithm", algorithm);
  try {
    bench::time_node_alone(g, n, {0, 1, 0});
    return "";
  } catch (const std::exception &e) {
    return e.what();
  }
}

TEST(SelectAlgorithm, LibraryWithMixedAlgorithmsMatchesTheReference) {
  ir::Graph spec = convmix();
  passes::PassOptions o2;
  o2.passes = passes::passes_for_level(2);
  ir::Graph g = passes::run_passes(spec, o2);
  // Each conv but `down` (direct, set in the spec) takes the first of these
  // that fits and lowers, direct where none does: with every lowering in
  // place, stem is Winograd, dw depthwise and pw im2col.
  const std::vector<std::string> preference = {"depthwise", "winograd_f2", "im2col", "winograd_f4"};
  std::vector<std::string> used = {"direct"};
  for (ir::Node &n : g.nodes) {
    if (n.op != "conv2d" || n.name == "down") continue;
    n.attrs.set("algorithm", std::string("direct"));
    for (const std::string &a : preference)
      if (ir::ops::conv_algorithm_unfit(a, n.attrs, g.value(n.inputs[0]).type.shape).empty()) {
        std::string why = unusable(g, n, a);
        if (!why.empty()) {
          std::printf("%s: %s skipped: %s\n", n.name.c_str(), a.c_str(), why.c_str());
          continue;
        }
        n.attrs.set("algorithm", a);
        used.push_back(a);
        break;
      }
  }
  std::string summary;
  for (const auto &a : used) summary += a + " ";
  std::printf("algorithms in the library: %s\n", summary.c_str());

  std::vector<reference::Tensor> inputs;
  const ir::TensorType &t = spec.value(spec.inputs[0]).type;
  inputs.emplace_back(t.shape, testing::random_floats(t.numel(), 7));
  std::vector<reference::Tensor> want = reference::run_graph(spec, inputs);

  bench::CompiledModel model(g, nullptr);
  codegen::LoadedLibrary::Instance instance(model.library());
  std::vector<float> out(want[0].data.size());
  instance.run({inputs[0].data.data()}, {out.data()});
  size_t bad = 0;
  double worst = 0;
  for (size_t i = 0; i < out.size(); i++) {
    double diff = std::fabs(out[i] - want[0].data[i]);
    worst = std::max(worst, diff);
    bad += diff > 1e-4 + 1e-4 * std::fabs(want[0].data[i]);
  }
  EXPECT_EQ(bad, 0u) << "max abs difference " << worst << " with " << summary;
}

}  // namespace
}  // namespace kiln
