// Training-only outputs in the JSON spec (docs/spec.md, "Training-only
// outputs"): GoogLeNet's auxiliary classifiers are outputs when a model is
// loaded for training and are dropped, with what only they need, for inference.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "frontend/json/json_spec.h"
#include "ir/errors.h"
#include "reference/interpreter.h"
#include "test_util.h"

namespace kiln {
namespace {

// A trunk, an auxiliary head on it (training-only), a node nothing reads.
const char *kSpec = R"({
  "name": "aux_net",
  "inputs": [{"name": "x", "shape": [1, 2, 6, 6]}],
  "nodes": [
    {"name": "trunk", "type": "conv2d", "inputs": ["x"], "filters": 4, "kernel": 3, "activation": "relu"},
    {"name": "aux", "type": "sequential", "inputs": ["trunk"], "layers": [
      {"type": "global_avg_pool", "name": "pool"}, {"type": "flatten", "name": "flat"},
      {"type": "dense", "name": "fc", "units": 3}]},
    {"name": "unused", "type": "relu", "inputs": ["trunk"]},
    {"name": "gap", "type": "global_avg_pool", "inputs": ["trunk"]},
    {"name": "flat", "type": "flatten", "inputs": ["gap"]},
    {"name": "head", "type": "dense", "inputs": ["flat"], "units": 5}
  ],
  "outputs": [{"name": "aux", "training_only": true}, {"name": "head"}]
})";

ir::Graph parse(const std::string &text, bool training) {
  frontend::LoadOptions options;
  options.training = training;
  return frontend::parse_json_spec(text, "net.json", ".", options);
}

std::string error_of(const std::string &text) {
  try {
    parse(text, false);
  } catch (const UserError &e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a UserError";
  return "";
}

std::string with_outputs(const std::string &outputs) {
  nlohmann::json j = nlohmann::json::parse(kSpec);
  j["outputs"] = nlohmann::json::parse(outputs);
  return j.dump();
}

TEST(TrainingOnlyOutputs, InferenceDropsWhatOnlyTheyNeed) {
  ir::Graph g = parse(kSpec, false);
  ASSERT_EQ(g.outputs.size(), 1u);
  EXPECT_EQ(g.value(g.outputs[0]).name, "head");
  EXPECT_EQ(g.find_node("aux.fc"), -1);
  EXPECT_EQ(g.find_node("aux.pool"), -1);
  EXPECT_EQ(g.find_value("aux.fc.weight"), -1);  // its parameters go too
  EXPECT_GE(g.find_node("trunk"), 0);            // shared with the inference output
  EXPECT_GE(g.find_node("unused"), 0);           // no output needs it: stays as written
  EXPECT_EQ(
      reference::run_graph(g, {reference::Tensor({1, 2, 6, 6}, testing::random_floats(72, 1))})
          .size(),
      1u);
}

TEST(TrainingOnlyOutputs, TrainingKeepsThemAfterTheOthers) {
  ir::Graph g = parse(kSpec, true);
  ASSERT_EQ(g.outputs.size(), 2u);
  EXPECT_EQ(g.value(g.outputs[0]).name, "head");
  EXPECT_EQ(g.value(g.outputs[1]).name, "aux.fc");
  EXPECT_GE(g.find_value("aux.fc.weight"), 0);
  // The same initial weights either way: each parameter has its own stream.
  ir::Graph inference = parse(kSpec, false);
  EXPECT_EQ(*g.value(g.find_value("head.weight")).data,
            *inference.value(inference.find_value("head.weight")).data);
}

TEST(TrainingOnlyOutputs, PlainNamesAndObjectsMix) {
  ir::Graph g = parse(with_outputs(R"([{"name": "head", "training_only": false}, "aux"])"), false);
  ASSERT_EQ(g.outputs.size(), 2u);
  EXPECT_EQ(g.value(g.outputs[1]).name, "aux.fc");
}

TEST(TrainingOnlyOutputs, Errors) {
  EXPECT_NE(error_of(with_outputs(R"([{"name": "aux", "training_only": true}])"))
                .find("net.json: outputs: every output is training-only"),
            std::string::npos);
  EXPECT_NE(error_of(with_outputs(R"(["head", {"name": "aux", "training_only": 1}])"))
                .find("outputs[1].training_only: expected true or false, got 1"),
            std::string::npos);
  EXPECT_NE(error_of(with_outputs(R"(["head", {"name": "aux", "trainig_only": true}])"))
                .find("outputs[1].trainig_only: unknown field"),
            std::string::npos);
  EXPECT_NE(error_of(with_outputs(R"(["head", {"training_only": true}])")).find("outputs[1]"),
            std::string::npos);
  EXPECT_NE(error_of(with_outputs(R"(["head", {"name": "head", "training_only": true}])"))
                .find("'head' is listed twice"),
            std::string::npos);
  EXPECT_NE(
      error_of(with_outputs(R"(["head", 3])")).find("outputs[1]: expected a layer or node name"),
      std::string::npos);
}

}  // namespace
}  // namespace kiln
