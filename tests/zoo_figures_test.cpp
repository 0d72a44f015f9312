// The zoo's published figures, as `kiln inspect` computes them (ir/summary.h):
// parameter counts per layer and in total, output shapes, multiply-accumulates
// and activation counts. docs/zoo.md states each convention and its source.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "frontend/load_model.h"
#include "ir/summary.h"
#include "test_util.h"

namespace kiln {
namespace {

struct Loaded {
  ir::Graph graph;
  ir::GraphSummary summary;

  const ir::LayerSummary &layer(const std::string &name) const {
    for (const auto &l : summary.layers)
      if (l.node == name) return l;
    throw std::runtime_error("no layer " + name);
  }
  int64_t param_input(const std::string &layer_name, const std::string &input) const {
    for (const auto &[name, count] : layer(layer_name).param_inputs)
      if (name == input) return count;
    return 0;
  }
};

Loaded load(const std::string &spec, bool training = false) {
  frontend::LoadOptions options;
  options.training = training;
  Loaded m{frontend::load_model(testing::source_path(spec), options), {}};
  m.summary = ir::summarize(m.graph);
  return m;
}

// `value` rounded to `digits` significant digits (724,406,816 -> 724,000,000).
int64_t round_to(double value, int digits) {
  double unit = std::pow(10.0, std::floor(std::log10(value)) + 1 - digits);
  return std::llround(std::round(value / unit) * unit);
}

TEST(ZooFigures, LeNet5) {
  Loaded m = load("examples/lenet5.json");
  const std::pair<const char *, int64_t> layers[] = {
      {"c1", 156}, {"c3", 2416}, {"c5", 48120}, {"f6", 10164}, {"logits", 850}};
  for (const auto &[name, params] : layers) EXPECT_EQ(m.layer(name).params, params) << name;
  EXPECT_EQ(m.summary.params, 61706);
  EXPECT_EQ(m.summary.buffers, 0);
}

TEST(ZooFigures, AlexNetSingleTower) {
  Loaded m = load("examples/zoo/alexnet.json");
  const std::pair<const char *, int64_t> layers[] = {
      {"conv1", 34944},  {"conv2", 614656}, {"conv3", 885120}, {"conv4", 1327488},
      {"conv5", 884992}, {"fc6", 37752832}, {"fc7", 16781312}, {"fc8", 4097000}};
  for (const auto &[name, params] : layers) EXPECT_EQ(m.layer(name).params, params) << name;
  EXPECT_EQ(m.summary.params, 62378344);
  // The lecture's shapes, NCHW here: 55x55x96 is 1x96x55x55.
  const std::pair<const char *, ir::Shape> shapes[] = {
      {"conv1", {1, 96, 55, 55}},  {"pool1", {1, 96, 27, 27}},  {"conv2", {1, 256, 27, 27}},
      {"pool2", {1, 256, 13, 13}}, {"conv3", {1, 384, 13, 13}}, {"conv4", {1, 384, 13, 13}},
      {"conv5", {1, 256, 13, 13}}, {"pool5", {1, 256, 6, 6}}};
  for (const auto &[name, shape] : shapes) EXPECT_EQ(m.layer(name).output_shape, shape) << name;
}

// The two-GPU form: conv2, conv4 and conv5 see half the channels. Sze et al.
// 2017 ("Efficient processing of deep neural networks", table II): 61M
// weights, 724M MACs (666M in the convolutions, 58.6M in the dense layers).
TEST(ZooFigures, AlexNetTwoGroups) {
  Loaded m = load("examples/zoo/alexnet_grouped.json");
  EXPECT_EQ(m.layer("conv2").params, 5 * 5 * 48 * 256 + 256);
  EXPECT_EQ(m.layer("conv4").params, 3 * 3 * 192 * 384 + 384);
  EXPECT_EQ(m.layer("conv5").params, 3 * 3 * 192 * 256 + 256);
  EXPECT_EQ(m.summary.params, 60965224);
  int64_t conv_macs = 0, dense_macs = 0;
  for (const auto &l : m.summary.layers) (l.op == "conv2d" ? conv_macs : dense_macs) += l.macs;
  EXPECT_EQ(round_to(m.summary.macs, 3), int64_t{724000000});
  EXPECT_EQ(round_to(conv_macs, 3), int64_t{666000000});
  EXPECT_EQ(round_to(dense_macs, 3), int64_t{58600000});
}

// Zeiler and Fergus 2013, figure 3.
TEST(ZooFigures, ZFNetShapes) {
  Loaded m = load("examples/zoo/zfnet.json");
  const std::pair<const char *, ir::Shape> shapes[] = {
      {"conv1", {1, 96, 110, 110}}, {"pool1", {1, 96, 55, 55}},  {"conv2", {1, 256, 26, 26}},
      {"pool2", {1, 256, 13, 13}},  {"conv5", {1, 256, 13, 13}}, {"pool5", {1, 256, 6, 6}}};
  for (const auto &[name, shape] : shapes) EXPECT_EQ(m.layer(name).output_shape, shape) << name;
}

// CS231n's VGG-16 table: weights without biases per weighted layer, 138M
// parameters in all, and the activation memory per layer.
TEST(ZooFigures, VGG16) {
  Loaded m = load("examples/zoo/vgg16.json");
  const std::pair<const char *, int64_t> weights[] = {
      {"conv1_1", 1728},    {"conv1_2", 36864},   {"conv2_1", 73728},   {"conv2_2", 147456},
      {"conv3_1", 294912},  {"conv3_2", 589824},  {"conv3_3", 589824},  {"conv4_1", 1179648},
      {"conv4_2", 2359296}, {"conv4_3", 2359296}, {"conv5_1", 2359296}, {"conv5_2", 2359296},
      {"conv5_3", 2359296}, {"fc6", 102760448},   {"fc7", 16777216},    {"fc8", 4096000}};
  int64_t biases = 0;
  for (const auto &[name, count] : weights) {
    EXPECT_EQ(m.param_input(name, "weight"), count) << name;
    biases += m.param_input(name, "bias");
  }
  EXPECT_EQ(biases, 13416);
  EXPECT_EQ(m.summary.params, 138357544);
  EXPECT_EQ(m.summary.buffers, 0);
  EXPECT_EQ(round_to(m.summary.macs, 3), int64_t{15500000000});

  // The table's memory column: the input, then every conv (relu in place),
  // pool and dense output. Its rows add up to 15.2M values (61 MB); the
  // "24M, 93 MB" it prints as the total is not their sum (docs/zoo.md).
  EXPECT_EQ(m.summary.input_values, 224 * 224 * 3);
  EXPECT_EQ(m.layer("conv1_1").activation_values, 224 * 224 * 64);
  EXPECT_EQ(m.layer("pool1").activation_values, 112 * 112 * 64);
  EXPECT_EQ(m.layer("conv5_3").activation_values, 14 * 14 * 512);
  EXPECT_EQ(m.layer("pool5").activation_values, 7 * 7 * 512);
  EXPECT_TRUE(m.layer("conv1_1.relu").in_place);
  EXPECT_TRUE(m.layer("flat").in_place);
  EXPECT_FALSE(m.layer("pool1").in_place);
  const int64_t rows = 150528 + 2 * 3211264 + 802816 + 2 * 1605632 + 401408 + 3 * 802816 + 200704 +
                       3 * 401408 + 100352 + 3 * 100352 + 25088 + 4096 + 4096 + 1000;
  EXPECT_EQ(rows, 15237608);
  EXPECT_EQ(m.summary.stored_activation_values, rows);
  EXPECT_EQ(m.summary.stored_activation_bytes, rows * 4);
  // Every layer output once (each relu's output apart from its conv's).
  EXPECT_EQ(m.summary.activation_values,
            rows - 150528 + 13547520 + 2 * 4096 + 7 * 7 * 512 + 2 * 4096);
}

// torchvision's counts (parameters(): weights, biases, batch-norm weight and
// bias; the running statistics are buffers) and its GFLOPS column, which
// counts multiply-accumulates.
TEST(ZooFigures, TorchvisionResNets) {
  struct Row {
    const char *spec;
    int64_t params;
    double gmacs;
  };
  const Row rows[] = {{"examples/resnet18.json", 11689512, 1.81},
                      {"examples/zoo/resnet34.json", 21797672, 3.66},
                      {"examples/zoo/resnet50.json", 25557032, 4.09},
                      {"examples/zoo/resnext50_32x4d.json", 25028904, 4.23}};
  for (const Row &r : rows) {
    Loaded m = load(r.spec);
    EXPECT_EQ(m.summary.params, r.params) << r.spec;
    EXPECT_EQ(round_to(m.summary.macs, 3), std::llround(r.gmacs * 1e9)) << r.spec;
  }
}

TEST(ZooFigures, ResNet50Buffers) {
  Loaded m = load("examples/zoo/resnet50.json");
  EXPECT_EQ(m.summary.params, 25557032);
  // Two running statistics per batch-norm channel: 26,560 channels.
  EXPECT_EQ(m.summary.buffers, 2 * 26560);
  EXPECT_EQ(m.summary.weight_bytes, (25557032 + 2 * 26560) * 4);
  EXPECT_EQ(m.layer("stem.bn1").params, 128);
  EXPECT_EQ(m.layer("stem.bn1").buffers, 128);
}

TEST(ZooFigures, DenseNet121) {
  Loaded m = load("examples/zoo/densenet121.json");
  EXPECT_EQ(m.summary.params, 7978856);
  EXPECT_EQ(round_to(m.summary.macs, 3), int64_t{2830000000});
  EXPECT_EQ(m.layer("classifier").params, 1024 * 1000 + 1000);
}

// Hu et al. 2018 (and the Cadene pretrainedmodels port): 28.09M parameters,
// ResNet-50 plus two 1x1 convolutions with biases per block.
TEST(ZooFigures, SEResNet50) {
  Loaded m = load("examples/zoo/se_resnet50.json");
  EXPECT_EQ(m.summary.params, 28088024);
  EXPECT_EQ(m.layer("layer1_0_se.fc1").params, 256 * 16 + 16);
  EXPECT_EQ(m.layer("layer4_2_se.fc2").params, 128 * 2048 + 2048);
}

// Keras's MobileNet(alpha=1.0, input 224): "Trainable params: 4,231,976,
// Non-trainable params: 21,888"; the paper's 569M mult-adds.
TEST(ZooFigures, MobileNetV1) {
  Loaded m = load("examples/zoo/mobilenet_v1.json");
  EXPECT_EQ(m.summary.params, 4231976);
  EXPECT_EQ(m.summary.buffers, 21888);
  EXPECT_EQ(round_to(m.summary.macs, 3), int64_t{569000000});
  EXPECT_EQ(m.layer("conv_dw_1").params, 32 * 9);  // depthwise: one 3x3 filter per channel
  EXPECT_EQ(m.layer("conv_pw_13_relu").output_shape, (ir::Shape{1, 1024, 7, 7}));
}

// The auxiliary classifiers are outputs only when loading for training; at
// inference the frontend drops them and everything only they need.
TEST(ZooFigures, GoogLeNetAuxiliaryClassifiersAreTrainingOnly) {
  Loaded inference = load("examples/zoo/googlenet.json");
  Loaded training = load("examples/zoo/googlenet.json", true);
  ASSERT_EQ(inference.graph.outputs.size(), 1u);
  ASSERT_EQ(training.graph.outputs.size(), 3u);
  EXPECT_EQ(training.graph.value(training.graph.outputs[1]).name, "aux1.fc2");
  EXPECT_EQ(training.graph.value(training.graph.outputs[2]).name, "aux2.fc2");
  EXPECT_EQ(inference.graph.find_node("aux1.fc1"), -1);
  EXPECT_GE(training.graph.find_node("aux1.fc1"), 0);
  for (const auto &l : inference.summary.layers)
    EXPECT_EQ(l.node.rfind("aux", 0), std::string::npos) << l.node;
  // Each auxiliary classifier: 1x1 conv 512 or 528 -> 128, dense 2048 -> 1024, 1024 -> 1000.
  int64_t aux =
      (512 * 128 + 128) + (528 * 128 + 128) + 2 * (2048 * 1024 + 1024 + 1024 * 1000 + 1000);
  EXPECT_EQ(training.summary.params - inference.summary.params, aux);
  EXPECT_EQ(inference.summary.params, 6998552);  // table 1's layers, weights and biases
  EXPECT_EQ(inference.layer("inception5b").output_shape, (ir::Shape{1, 1024, 7, 7}));
  EXPECT_EQ(inference.layer("inception3a").output_shape, (ir::Shape{1, 256, 28, 28}));
}

// The same figures through the command line.
TEST(ZooFigures, InspectJson) {
  auto r =
      testing::run_shell(testing::kiln_binary() + " inspect --json " +
                         testing::source_path("examples/zoo/mobilenet_v1.json") + " 2>/dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  nlohmann::json j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["model"], "mobilenet_v1");
  EXPECT_EQ(j["total"]["params"], 4231976);
  EXPECT_EQ(j["total"]["buffers"], 21888);
  EXPECT_EQ(j["total"]["weight_bytes"], (4231976 + 21888) * 4);
  const nlohmann::json &first = j["layers"][0];
  EXPECT_EQ(first["name"], "conv1");
  EXPECT_EQ(first["output_shape"], nlohmann::json::parse("[1, 32, 112, 112]"));
  EXPECT_EQ(first["param_inputs"]["weight"], 864);
  EXPECT_EQ(first["macs"], 112 * 112 * 32 * 27);

  r = testing::run_shell(testing::kiln_binary() + " inspect " +
                         testing::source_path("examples/zoo/googlenet.json") +
                         " --training --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(nlohmann::json::parse(r.output)["outputs"].size(), 3u);
}

}  // namespace
}  // namespace kiln
