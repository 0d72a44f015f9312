// Whole models that use the ops added beside training build a training
// graph (every op on the way has a gradient rule or a training form) whose
// loss falls over a few SGD steps on a fixed batch, run on the reference
// interpreter: examples/lstm_classifier.json (an LSTM, unrolled),
// examples/encoder_decoder.json (transposed convolutions) and the zoo's
// MobileNet v1 (depthwise convolutions, batch norm, relu6) at a small input.
// SE-ResNet-50 (scale_channels) builds its training graph without running it.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "frontend/json/json_spec.h"
#include "ir/verifier.h"
#include "passes/autodiff.h"
#include "reference/interpreter.h"
#include "tests/test_util.h"

namespace kiln {
namespace {

using reference::Tensor;

// `spec` with its input shape replaced by `shape`.
ir::Graph load_with_input(const std::string &spec, const std::vector<int64_t> &shape) {
  std::ifstream in(testing::source_path(spec));
  nlohmann::json j = nlohmann::json::parse(in);
  nlohmann::json &input = j.contains("input") ? j["input"] : j["inputs"][0];
  input["shape"] = shape;
  const std::string dir = testing::source_path(spec.substr(0, spec.rfind('/')));
  return frontend::parse_json_spec(j.dump(), spec, dir);
}

passes::TrainingGraph training_graph(const ir::Graph &model, const std::string &loss, double lr) {
  passes::TrainingOptions o;
  o.loss = loss;
  o.optimizer = "sgd";
  o.lr_attrs.set("lr", lr);
  passes::TrainingGraph t = passes::build_training_graph(model, o);
  ir::verify_or_throw(t.graph, "training graph");
  return t;
}

// The losses of `steps` SGD steps on one random batch (labels: class
// indices for softmax cross-entropy, else values in [0, 1)).
std::vector<float> losses_on_a_fixed_batch(const passes::TrainingGraph &t, int steps) {
  const ir::Graph &g = t.graph;
  std::map<int, Tensor> state;
  const ir::Value &x = g.value(g.inputs[0]);
  state[g.inputs[0]] = Tensor(x.type.shape, testing::random_floats(x.type.numel(), 5));
  Tensor labels(g.value(t.labels).type.shape,
                testing::random_floats(g.value(t.labels).type.numel(), 6));
  const int loss_node = g.value(t.loss).producer;
  const bool classes = g.node(loss_node).op == "softmax_cross_entropy";
  const int64_t n_classes = classes ? g.value(g.node(loss_node).inputs[0]).type.shape[1] : 0;
  for (float &l : labels.data)
    l = classes ? std::floor((l + 1) / 2 * static_cast<float>(n_classes) * 0.999f) : (l + 1) / 2;
  state[t.labels] = labels;
  std::vector<float> losses;
  for (int s = 0; s < steps; s++) {
    const std::vector<Tensor> values = reference::evaluate(g, state);
    losses.push_back(values[t.loss].data[0]);
    for (const auto &[param, value] : reference::updated_params(g, values)) state[param] = value;
  }
  return losses;
}

TEST(TrainNewOpsModels, LstmClassifierLossFalls) {
  const ir::Graph model = load_with_input("examples/lstm_classifier.json", {16, 4, 8});
  const passes::TrainingGraph t = training_graph(model, "softmax_cross_entropy", 0.5);
  const std::vector<float> losses = losses_on_a_fixed_batch(t, 6);
  EXPECT_LT(losses.back(), 0.9f * losses.front());
}

TEST(TrainNewOpsModels, EncoderDecoderLossFalls) {
  const ir::Graph model = load_with_input("examples/encoder_decoder.json", {2, 3, 8, 8});
  const passes::TrainingGraph t = training_graph(model, "mse_loss", 0.5);
  const std::vector<float> losses = losses_on_a_fixed_batch(t, 6);
  EXPECT_LT(losses.back(), losses.front());
}

TEST(TrainNewOpsModels, MobileNetLossFalls) {
  const ir::Graph model = load_with_input("examples/zoo/mobilenet_v1.json", {2, 3, 32, 32});
  const passes::TrainingGraph t = training_graph(model, "softmax_cross_entropy", 0.05);
  const std::vector<float> losses = losses_on_a_fixed_batch(t, 3);
  EXPECT_LT(losses.back(), losses.front());
}

TEST(TrainNewOpsModels, SeResnetBuildsATrainingGraph) {
  const ir::Graph model = load_with_input("examples/zoo/se_resnet50.json", {2, 3, 32, 32});
  bool has_scale = false;
  for (const ir::Node &n : model.nodes) has_scale = has_scale || n.op == "scale_channels";
  EXPECT_TRUE(has_scale);
  const passes::TrainingGraph t = training_graph(model, "softmax_cross_entropy", 0.05);
  EXPECT_GT(t.gradients.size(), 100u);
}

}  // namespace
}  // namespace kiln
