// The JSON spec frontend (docs/spec.md): both forms and their mixing, every
// attribute form, the activation shorthand and naming, deterministic weight
// initialization, and the error messages for bad specs (file name, JSON path,
// what was expected).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <sstream>

#include "frontend/json/json_spec.h"
#include "frontend/weights_file.h"
#include "ir/errors.h"
#include "ir/ops/window.h"
#include "test_util.h"

namespace kiln {
namespace {

using testing::TempDir;

std::string spec_path(const std::string &name) {
  return testing::source_path("tests/data/specs/" + name);
}

ir::Graph load(const std::string &name) { return frontend::load_json_spec(spec_path(name)); }

ir::Graph parse(const std::string &text) {
  return frontend::parse_json_spec(text, "net.json", ".");
}

// The UserError message of `f`; fails the test when it throws nothing.
std::string error_of(const std::function<void()> &f) {
  try {
    f();
  } catch (const UserError &e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a UserError";
  return "";
}

std::string parse_error(const std::string &text) {
  return error_of([&] { parse(text); });
}

// Checks that `message` is one line holding every fragment, in order.
void expect_message(const std::string &message, const std::vector<std::string> &fragments) {
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  size_t at = 0;
  for (const auto &f : fragments) {
    size_t found = message.find(f, at);
    EXPECT_NE(found, std::string::npos) << "missing '" << f << "' (in order) in: " << message;
    if (found != std::string::npos) at = found + f.size();
  }
}

// A one-input sequential spec around `layers` (a JSON list's inside).
std::string sequential(const std::string &layers, const std::string &shape = "[1, 2, 8, 8]",
                       const std::string &extra = "") {
  return R"({"name": "net", "input": {"name": "x", "shape": )" + shape + "}, " + extra +
         R"("layers": [)" + layers + "]}";
}

const ir::Node &node(const ir::Graph &g, const std::string &name) {
  int id = g.find_node(name);
  EXPECT_GE(id, 0) << "no node " << name;
  return g.node(id >= 0 ? id : 0);
}

ir::Shape shape_of(const ir::Graph &g, const std::string &value) {
  int id = g.find_value(value);
  EXPECT_GE(id, 0) << "no value " << value;
  return id >= 0 ? g.value(id).type.shape : ir::Shape{};
}

const std::vector<float> &data_of(const ir::Graph &g, const std::string &param) {
  int id = g.find_value(param);
  EXPECT_GE(id, 0) << "no parameter " << param;
  return *g.value(id).data;
}

int64_t params_of(const ir::Graph &g, const std::string &layer) {
  int64_t n = 0;
  for (int id : g.param_ids())
    if (g.value(id).name.rfind(layer + ".", 0) == 0) n += g.value(id).type.numel();
  return n;
}

std::vector<std::string> node_names(const ir::Graph &g) {
  std::vector<std::string> names;
  for (const auto &n : g.nodes) names.push_back(n.name);
  return names;
}

// ---------------------------------------------------------------- good specs

TEST(JsonSpec, LeNet5NodesShapesAndParameters) {
  ir::Graph g = load("lenet5.json");
  EXPECT_EQ(g.name, "lenet5");
  EXPECT_EQ(node_names(g),
            (std::vector<std::string>{"c1", "c1.tanh", "s2", "c3", "c3.tanh", "s4", "flat", "c5",
                                      "c5.tanh", "f6", "f6.tanh", "logits"}));
  EXPECT_EQ(node(g, "c1").op, "conv2d");
  EXPECT_EQ(node(g, "c1.tanh").op, "tanh");
  EXPECT_EQ(node(g, "s2").op, "avg_pool2d");
  EXPECT_EQ(node(g, "flat").op, "flatten");
  EXPECT_EQ(node(g, "logits").op, "dense");

  EXPECT_EQ(shape_of(g, "image"), (ir::Shape{1, 1, 32, 32}));
  EXPECT_EQ(shape_of(g, "c1"), (ir::Shape{1, 6, 28, 28}));
  EXPECT_EQ(shape_of(g, "s2"), (ir::Shape{1, 6, 14, 14}));
  EXPECT_EQ(shape_of(g, "c3"), (ir::Shape{1, 16, 10, 10}));
  EXPECT_EQ(shape_of(g, "s4"), (ir::Shape{1, 16, 5, 5}));
  EXPECT_EQ(shape_of(g, "flat"), (ir::Shape{1, 400}));
  EXPECT_EQ(shape_of(g, "c5"), (ir::Shape{1, 120}));
  EXPECT_EQ(shape_of(g, "f6"), (ir::Shape{1, 84}));
  EXPECT_EQ(shape_of(g, "logits"), (ir::Shape{1, 10}));

  EXPECT_EQ(params_of(g, "c1"), 156);
  EXPECT_EQ(params_of(g, "c3"), 2416);
  EXPECT_EQ(params_of(g, "c5"), 48120);
  EXPECT_EQ(params_of(g, "f6"), 10164);
  EXPECT_EQ(params_of(g, "logits"), 850);
  EXPECT_EQ(g.param_count(), 61706);
  EXPECT_EQ(shape_of(g, "c1.weight"), (ir::Shape{6, 1, 5, 5}));
  EXPECT_EQ(shape_of(g, "c5.weight"), (ir::Shape{120, 400}));

  // Parameters follow x in the op's input order.
  const ir::Node &c1 = node(g, "c1");
  ASSERT_EQ(c1.inputs.size(), 3u);
  EXPECT_EQ(g.value(c1.inputs[0]).name, "image");
  EXPECT_EQ(g.value(c1.inputs[1]).name, "c1.weight");
  EXPECT_EQ(g.value(c1.inputs[2]).name, "c1.bias");
  // The next layer reads the activated output.
  EXPECT_EQ(g.value(node(g, "s2").inputs[0]).name, "c1.tanh");

  ASSERT_EQ(g.inputs.size(), 1u);
  ASSERT_EQ(g.outputs.size(), 1u);
  EXPECT_EQ(g.value(g.outputs[0]).name, "logits");
}

TEST(JsonSpec, GraphFormWithBlockSkipAndConcat) {
  ir::Graph g = load("residual.json");
  EXPECT_EQ(node_names(g),
            (std::vector<std::string>{"stem", "stem.relu", "block.conv_a", "block.bn_a",
                                      "block.relu_1", "block.conv_b", "block.batch_norm_1", "sum",
                                      "down", "pool", "both", "gap", "flat", "fc", "fc.softmax"}));
  // The block reads the stem's activated output; its name is its last layer.
  EXPECT_EQ(g.value(node(g, "block.conv_a").inputs[0]).name, "stem.relu");
  const ir::Node &sum = node(g, "sum");
  ASSERT_EQ(sum.inputs.size(), 2u);
  EXPECT_EQ(g.value(sum.inputs[0]).name, "stem.relu");
  EXPECT_EQ(g.value(sum.inputs[1]).name, "block.batch_norm_1");

  EXPECT_EQ(shape_of(g, "sum"), (ir::Shape{2, 8, 16, 16}));
  EXPECT_EQ(shape_of(g, "down"), (ir::Shape{2, 4, 8, 8}));
  EXPECT_EQ(shape_of(g, "pool"), (ir::Shape{2, 8, 8, 8}));
  EXPECT_EQ(shape_of(g, "both"), (ir::Shape{2, 12, 8, 8}));
  EXPECT_EQ(shape_of(g, "fc"), (ir::Shape{2, 10}));

  // use_bias false: no bias; batch_norm: four per-channel parameters.
  EXPECT_EQ(node(g, "block.conv_a").inputs.size(), 2u);
  EXPECT_EQ(shape_of(g, "block.bn_a.gamma"), (ir::Shape{8}));
  EXPECT_EQ(shape_of(g, "block.batch_norm_1.var"), (ir::Shape{8}));
  EXPECT_EQ(node(g, "block.bn_a").inputs.size(), 5u);

  ASSERT_EQ(g.outputs.size(), 2u);
  EXPECT_EQ(g.value(g.outputs[0]).name, "fc.softmax");
  EXPECT_EQ(g.value(g.outputs[1]).name, "block.bn_a");
}

TEST(JsonSpec, SequentialBlocksNestInBothForms) {
  ir::Graph g = load("nested.json");
  EXPECT_EQ(node_names(g), (std::vector<std::string>{
                               "conv2d_1", "sequential_1.conv2d_1", "sequential_1.relu_1",
                               "sequential_1.inner.conv2d_1", "conv2d_2", "conv2d_2.sigmoid"}));
  EXPECT_EQ(g.value(node(g, "conv2d_2").inputs[0]).name, "sequential_1.inner.conv2d_1");
  ASSERT_EQ(g.outputs.size(), 1u);
  EXPECT_EQ(g.value(g.outputs[0]).name, "conv2d_2.sigmoid");

  // Graph nodes may read a layer inside a block by "<block>.<layer>".
  ir::Graph h = parse(R"({"name": "net", "inputs": [{"name": "x", "shape": [1, 4]}], "nodes": [
      {"name": "b", "type": "sequential", "inputs": ["x"], "layers": [
        {"type": "dense", "name": "d", "units": 4, "activation": "relu"},
        {"type": "dense", "units": 4}]},
      {"name": "s", "type": "add", "inputs": ["b.d", "b"]}], "outputs": ["s"]})");
  EXPECT_EQ(h.value(node(h, "s").inputs[0]).name, "b.d.relu");
  EXPECT_EQ(h.value(node(h, "s").inputs[1]).name, "b.dense_1");
}

TEST(JsonSpec, DefaultNamesCountPerTypeAndSkipTakenNames) {
  ir::Graph g = parse(sequential(R"({"type": "relu", "name": "conv2d_1"},
      {"type": "conv2d", "filters": 2, "kernel": 1}, {"type": "relu"},
      {"type": "conv2d", "filters": 2, "kernel": 1})"));
  EXPECT_EQ(node_names(g),
            (std::vector<std::string>{"conv2d_1", "conv2d_2", "relu_1", "conv2d_3"}));
}

TEST(JsonSpec, SingleInputObjectAndSeveralInputs) {
  ir::Graph g = parse(
      R"({"name": "net", "inputs": [{"name": "a", "shape": [2, 3]}, {"name": "b", "shape": [2, 5]}],
      "nodes": [{"name": "ab", "type": "concat", "inputs": ["a", "b"], "axis": -1},
                {"name": "d", "type": "dense", "inputs": ["ab"], "units": 1}],
      "outputs": ["d", "ab"]})");
  ASSERT_EQ(g.inputs.size(), 2u);
  EXPECT_EQ(g.value(g.inputs[1]).name, "b");
  EXPECT_EQ(shape_of(g, "ab"), (ir::Shape{2, 8}));
  ASSERT_EQ(g.outputs.size(), 2u);
  EXPECT_EQ(g.value(g.outputs[1]).name, "ab");
}

TEST(JsonSpec, SequentialFormMayNameItsOutputs) {
  ir::Graph g =
      parse(sequential(R"({"type": "relu", "name": "r"}, {"type": "flatten", "name": "f"})",
                       "[1, 2, 8, 8]", R"("outputs": ["f", "r"], )"));
  ASSERT_EQ(g.outputs.size(), 2u);
  EXPECT_EQ(g.value(g.outputs[0]).name, "f");
  EXPECT_EQ(g.value(g.outputs[1]).name, "r");
}

TEST(JsonSpec, AttributeForms) {
  ir::Graph g = parse(sequential(R"(
      {"type": "conv2d", "name": "a", "filters": 2, "kernel": 3, "padding": "valid"},
      {"type": "conv2d", "name": "b", "filters": 2, "kernel": [3, 1], "stride": [1, 2], "padding": "same"},
      {"type": "conv2d", "name": "c", "filters": 2, "kernel": 3, "padding": 1, "dilation": 2},
      {"type": "conv2d", "name": "d", "filters": 2, "kernel": 3, "padding": [1, 2], "padding_mode": "reflect"},
      {"type": "conv2d", "name": "e", "filters": 2, "kernel": 3, "padding": [0, 1, 2, 3], "use_bias": false},
      {"type": "batch_norm", "name": "bn", "epsilon": 1},
      {"type": "max_pool2d", "name": "p", "kernel": 2, "ceil_mode": true},
      {"type": "softmax", "name": "s", "axis": -3})",
                                 "[1, 2, 16, 16]"));
  const auto &a = node(g, "a").attrs;
  EXPECT_EQ(a.get_ints("kernel"), (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(a.get_ints("stride"), (std::vector<int64_t>{1, 1}));  // default
  EXPECT_EQ(a.get_string("padding"), "valid");
  EXPECT_EQ(a.get_int("use_bias"), 1);
  const auto &b = node(g, "b").attrs;
  EXPECT_EQ(b.get_ints("kernel"), (std::vector<int64_t>{3, 1}));
  EXPECT_EQ(b.get_ints("stride"), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(b.get_string("padding"), "same");
  EXPECT_EQ(shape_of(g, "b"), (ir::Shape{1, 2, 14, 7}));
  EXPECT_EQ(node(g, "c").attrs.get_ints("padding"), (std::vector<int64_t>{1, 1, 1, 1}));
  EXPECT_EQ(node(g, "c").attrs.get_ints("dilation"), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(node(g, "d").attrs.get_ints("padding"), (std::vector<int64_t>{1, 2, 1, 2}));
  EXPECT_EQ(node(g, "d").attrs.get_string("padding_mode"), "reflect");
  EXPECT_EQ(node(g, "e").attrs.get_ints("padding"), (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(node(g, "e").attrs.get_int("use_bias"), 0);
  EXPECT_EQ(node(g, "e").inputs.size(), 2u);
  EXPECT_EQ(node(g, "bn").attrs.get_float("epsilon"), 1.0);
  EXPECT_EQ(node(g, "p").attrs.get_int("ceil_mode"), 1);
  EXPECT_EQ(node(g, "s").attrs.get_int("axis"), -3);
  // Internal attributes (set by passes) stay unset.
  EXPECT_FALSE(node(g, "a").attrs.has("has_residual"));
}

TEST(JsonSpec, ActivationShorthandNamesAndReferences) {
  ir::Graph g = parse(R"({"name": "net", "inputs": [{"name": "x", "shape": [1, 4]}], "nodes": [
      {"name": "h", "type": "dense", "inputs": ["x"], "units": 3, "activation": "relu"},
      {"name": "y", "type": "dense", "inputs": ["h"], "units": 2, "activation": "softmax"}],
      "outputs": ["y", "h"]})");
  EXPECT_EQ(node_names(g), (std::vector<std::string>{"h", "h.relu", "y", "y.softmax"}));
  EXPECT_EQ(node(g, "h.relu").op, "relu");
  EXPECT_EQ(node(g, "y.softmax").op, "softmax");
  EXPECT_EQ(g.value(node(g, "y").inputs[0]).name, "h.relu");
  EXPECT_EQ(g.value(g.outputs[0]).name, "y.softmax");
  EXPECT_EQ(g.value(g.outputs[1]).name, "h.relu");
  EXPECT_FALSE(node(g, "h").attrs.has("activation"));  // a separate node, not the fused epilogue
}

// Every ```json block of docs/spec.md is a complete spec that builds.
TEST(JsonSpec, DocsExamplesBuild) {
  std::ifstream in(testing::source_path("docs/spec.md"));
  std::string doc((std::istreambuf_iterator<char>(in)), {}), fence = "```json\n";
  std::vector<ir::Graph> graphs;
  for (size_t at = doc.find(fence); at != std::string::npos; at = doc.find(fence, at)) {
    at += fence.size();
    size_t end = doc.find("```", at);
    ASSERT_NE(end, std::string::npos);
    SCOPED_TRACE(doc.substr(at, 60));
    graphs.push_back(frontend::parse_json_spec(doc.substr(at, end - at), "spec.md", "."));
  }
  auto named = [&](const std::string &name) -> const ir::Graph & {
    for (const auto &g : graphs)
      if (g.name == name) return g;
    ADD_FAILURE() << "docs/spec.md has no example named " << name;
    return graphs.at(0);
  };
  ASSERT_FALSE(graphs.empty());
  // What the text says of its two main examples.
  const ir::Graph &lenet = named("lenet5"), &residual = named("tiny_residual");
  EXPECT_EQ(lenet.param_count(), 61706);
  EXPECT_EQ(shape_of(lenet, "s4"), (ir::Shape{1, 16, 5, 5}));
  EXPECT_EQ(shape_of(residual, "down"), (ir::Shape{2, 24, 8, 8}));
  EXPECT_EQ(shape_of(residual, "pool"), (ir::Shape{2, 16, 8, 8}));
  EXPECT_EQ(shape_of(residual, "both"), (ir::Shape{2, 40, 8, 8}));
  EXPECT_EQ(residual.value(node(residual, "sum1").inputs[1]).name, "block1.bn_b");
}

// ------------------------------------------------------------ initialization

// The generator docs/spec.md describes, written out again from the text.
std::vector<float> documented_glorot(const std::string &name, uint64_t seed, size_t n,
                                     double fan_in, double fan_out) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : name) h = (h ^ c) * 0x100000001b3ull;
  uint64_t state = seed ^ h;
  double limit = std::sqrt(6.0 / (fan_in + fan_out));
  std::vector<float> out;
  for (size_t k = 0; k < n; k++) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    double u = static_cast<double>(z >> 40) / 16777216.0;
    out.push_back(static_cast<float>((2 * u - 1) * limit));
  }
  return out;
}

TEST(JsonSpec, InitFollowsTheDocumentedGenerator) {
  ir::Graph g = load("lenet5.json");  // glorot, seed 0
  EXPECT_EQ(data_of(g, "c1.weight"), documented_glorot("c1.weight", 0, 150, 25, 150));
  EXPECT_EQ(data_of(g, "c5.weight"), documented_glorot("c5.weight", 0, 48000, 400, 120));
  for (float b : data_of(g, "c1.bias")) EXPECT_EQ(b, 0.0f);
}

TEST(JsonSpec, InitIsDeterministicPerSeedAndPerParameter) {
  auto spec = [](const std::string &weights, const std::string &layers) {
    return sequential(layers, "[1, 64]", R"("weights": )" + weights + ", ");
  };
  const std::string two =
      R"({"type": "dense", "name": "a", "units": 32}, {"type": "dense", "name": "b", "units": 8})";
  ir::Graph g1 = parse(spec(R"({"init": "glorot", "seed": 3})", two));
  ir::Graph g2 = parse(spec(R"({"init": "glorot", "seed": 3})", two));
  ir::Graph g3 = parse(spec(R"({"init": "glorot", "seed": 4})", two));
  ir::Graph dflt = parse(sequential(two, "[1, 64]"));
  ir::Graph zero = parse(spec(R"({"seed": 0})", two));
  EXPECT_EQ(data_of(g1, "a.weight"), data_of(g2, "a.weight"));
  EXPECT_NE(data_of(g1, "a.weight"), data_of(g3, "a.weight"));
  EXPECT_EQ(data_of(dflt, "a.weight"), data_of(zero, "a.weight"));  // default: glorot, seed 0
  EXPECT_NE(data_of(g1, "a.weight"), data_of(g1, "b.weight"));
  // Each parameter has its own stream: another layer in front changes nothing.
  ir::Graph more = parse(spec(R"({"init": "glorot", "seed": 3})", R"({"type": "relu"}, )" + two));
  EXPECT_EQ(data_of(g1, "b.weight"), data_of(more, "b.weight"));
  // He differs from glorot.
  ir::Graph he = parse(spec(R"({"init": "he", "seed": 3})", two));
  EXPECT_NE(data_of(g1, "a.weight"), data_of(he, "a.weight"));
}

TEST(JsonSpec, GlorotStaysWithinItsLimit) {
  ir::Graph g = parse(sequential(R"({"type": "conv2d", "name": "c", "filters": 32, "kernel": 3})",
                                 "[1, 16, 8, 8]"));
  double limit = std::sqrt(6.0 / (16 * 9 + 32 * 9));
  const auto &w = data_of(g, "c.weight");
  double lo = 0, hi = 0;
  const double bound = limit * (1 + 1e-6);  // the float rounding of (2u - 1) * l
  for (float x : w) {
    EXPECT_GE(x, -bound);
    EXPECT_LE(x, bound);
    lo = std::min<double>(lo, x), hi = std::max<double>(hi, x);
  }
  EXPECT_LT(lo, -0.95 * limit);  // and fills it
  EXPECT_GT(hi, 0.95 * limit);
}

TEST(JsonSpec, HeHasTheRightSpread) {
  ir::Graph g = parse(sequential(R"({"type": "dense", "name": "d", "units": 1001})", "[1, 500]",
                                 R"("weights": {"init": "he", "seed": 9}, )"));
  const auto &w = data_of(g, "d.weight");  // 500500 values, an odd count
  double sum = 0, sq = 0;
  for (float x : w) sum += x, sq += double(x) * x;
  double mean = sum / w.size(), sd = std::sqrt(sq / w.size() - mean * mean);
  double want = std::sqrt(2.0 / 500);
  EXPECT_NEAR(mean, 0.0, 0.01 * want);
  EXPECT_NEAR(sd, want, 0.01 * want);
}

TEST(JsonSpec, BatchNormStartsAsIdentity) {
  ir::Graph g = parse(sequential(R"({"type": "batch_norm", "name": "bn"})"));
  for (const char *p : {"bn.gamma", "bn.var"})
    EXPECT_EQ(data_of(g, p), std::vector<float>(2, 1.0f)) << p;
  for (const char *p : {"bn.beta", "bn.mean"})
    EXPECT_EQ(data_of(g, p), std::vector<float>(2, 0.0f)) << p;
}

TEST(JsonSpec, WeightsFileRelativeToTheSpec) {
  TempDir dir;
  ir::Graph trained =
      parse(sequential(R"({"type": "conv2d", "name": "c", "filters": 3, "kernel": 3})",
                       "[1, 2, 8, 8]", R"("weights": {"seed": 77}, )"));
  frontend::write_weights(trained, dir / "net.weights");
  std::ofstream(dir / "net.json") << sequential(
      R"({"type": "conv2d", "name": "c", "filters": 3, "kernel": 3})", "[1, 2, 8, 8]",
      R"("weights": {"file": "net.weights"}, )");
  ir::Graph g = frontend::load_json_spec(dir / "net.json");
  EXPECT_EQ(data_of(g, "c.weight"), data_of(trained, "c.weight"));
  EXPECT_EQ(data_of(g, "c.bias"), data_of(trained, "c.bias"));

  // A file that does not fit is reported at weights.file, naming both files.
  std::ofstream(dir / "other.json")
      << sequential(R"({"type": "conv2d", "name": "c", "filters": 4, "kernel": 3})", "[1, 2, 8, 8]",
                    R"("weights": {"file": "net.weights"}, )");
  expect_message(error_of([&] { frontend::load_json_spec(dir / "other.json"); }),
                 {"other.json: weights.file: ", "net.weights", "'c.weight'", "3x2x3x3", "4x2x3x3"});
  std::ofstream(dir / "none.json")
      << sequential(R"({"type": "relu"})", "[1, 2]", R"("weights": {"file": "missing.weights"}, )");
  expect_message(error_of([&] { frontend::load_json_spec(dir / "none.json"); }),
                 {"none.json: weights.file: ", "missing.weights", "no such weights file"});
}

// ------------------------------------------------------------------ bad specs

struct BadFile {
  std::string file;
  std::vector<std::string> fragments;  // in order, after "<file>: "
};

void PrintTo(const BadFile &b, std::ostream *os) { *os << b.file; }

class JsonSpecBadFile : public ::testing::TestWithParam<BadFile> {};

TEST_P(JsonSpecBadFile, NamesTheFileThePathAndTheExpectation) {
  std::string path = spec_path("bad/" + GetParam().file);
  std::string message = error_of([&] { frontend::load_json_spec(path); });
  EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << message;
  expect_message(message, GetParam().fragments);
}

INSTANTIATE_TEST_SUITE_P(
    Specs, JsonSpecBadFile,
    ::testing::Values(
        BadFile{"malformed.json", {"malformed JSON", "line 5, column 50"}},
        BadFile{"unknown_type.json",
                {"layers[1].type: ", "unknown layer type \"conv2\"", "did you mean \"conv2d\"",
                 "add, avg_pool2d, avg_pool3d, batch_norm", "sequential"}},
        BadFile{"unknown_field.json",
                {"layers[0].kernal: ", "unknown field \"kernal\" for conv2d",
                 "did you mean \"kernel\"", "activation, algorithm, dilation, filters, groups, kernel"}},
        BadFile{"missing_filters.json",
                {"layers[0] (conv2d 'conv2d_1'): ", "conv2d needs the attribute \"filters\"",
                 "output channels"}},
        BadFile{"wrong_type.json",
                {"layers[3].kernel: ", "expected a positive integer or [height, width]",
                 "got \"5x5\""}},
        BadFile{"add_mismatch.json",
                {"nodes[4] (add 'sum1'): node 'sum1' (add): ", "the inputs must have equal shapes",
                 "1x16x8x8 and 1x8x8x8"}},
        BadFile{"concat_mismatch.json",
                {"nodes[1] (concat 'joined'): node 'joined' (concat): ", "1x8x4x4", "1x8x8x8"}},
        BadFile{
            "undefined_input.json",
            {"nodes[1].inputs[1]: ", "unknown input 'later' (nodes must be defined before use)"}},
        BadFile{"bad_name.json", {"name: ", "C identifier", "got \"my-net\""}},
        BadFile{"duplicate_key.json",
                {"layers[1].kernel: ", "the field \"kernel\" is given twice"}}),
    [](const auto &info) { return info.param.file.substr(0, info.param.file.find('.')); });

struct BadText {
  std::string name, spec;
  std::vector<std::string> fragments;  // in order, after "net.json: "
};

void PrintTo(const BadText &b, std::ostream *os) { *os << b.name; }

class JsonSpecBadText : public ::testing::TestWithParam<BadText> {};

TEST_P(JsonSpecBadText, NamesThePathAndTheExpectation) {
  std::string message = parse_error(GetParam().spec);
  EXPECT_EQ(message.rfind("net.json: ", 0), 0u) << message;
  expect_message(message, GetParam().fragments);
}

const std::string kOneDense = R"("layers": [{"type": "dense", "units": 2}])";
const std::string kInput = R"("input": {"name": "x", "shape": [1, 4]}, )";

INSTANTIATE_TEST_SUITE_P(
    Specs, JsonSpecBadText,
    ::testing::Values(
        // The top level.
        BadText{"NotAnObject", "[1, 2]", {"expected a JSON object at the top level"}},
        BadText{"EmptyText", "", {"malformed JSON", "line 1, column 1", "unexpected end of input"}},
        BadText{"MissingName", "{" + kInput + kOneDense + "}", {"missing the field \"name\""}},
        BadText{"NameStartsWithDigit",
                R"({"name": "5net", )" + kInput + kOneDense + "}",
                {"name: ", "got \"5net\""}},
        BadText{"NameNotString",
                R"({"name": 5, )" + kInput + kOneDense + "}",
                {"name: ", "C identifier", "got 5"}},
        BadText{"UnknownTopField",
                R"({"name": "n", )" + kInput + R"("lyers": []})",
                {"lyers: ", "unknown field \"lyers\" for the model", "did you mean \"layers\""}},
        BadText{"BothForms",
                R"({"name": "n", )" + kInput + kOneDense + R"(, "nodes": []})",
                {"exactly one of \"layers\"", "\"nodes\""}},
        BadText{"NoBody",
                R"({"name": "n", )" + kInput + R"("outputs": []})",
                {"exactly one of \"layers\""}},
        BadText{"BothInputForms",
                R"({"name": "n", "input": {"name": "x", "shape": [1]}, "inputs": [], )" +
                    kOneDense + "}",
                {"exactly one of \"input\""}},
        BadText{"EmptyLayers",
                R"({"name": "n", )" + kInput + R"("layers": []})",
                {"layers: ", "non-empty list"}},
        BadText{"DescriptionNotString",
                R"({"name": "n", "description": 1, )" + kInput + kOneDense + "}",
                {"description: ", "expected a string"}},
        // Inputs.
        BadText{"ZeroDim",
                R"({"name": "n", "input": {"name": "x", "shape": [1, 0]}, )" + kOneDense + "}",
                {"input.shape: ", "positive integers", "got [1,0]"}},
        BadText{"FloatDim",
                R"({"name": "n", "input": {"name": "x", "shape": [1, 4.5]}, )" + kOneDense + "}",
                {"input.shape: ", "positive integers"}},
        BadText{"NoShape",
                R"({"name": "n", "input": {"name": "x"}, )" + kOneDense + "}",
                {"input: ", "missing the field \"shape\""}},
        BadText{"InputField",
                R"({"name": "n", "input": {"name": "x", "shape": [1], "dtype": "f32"}, )" +
                    kOneDense + "}",
                {"input.dtype: ", "unknown field \"dtype\" for an input"}},
        BadText{"InputNameWithDot",
                R"({"name": "n", "input": {"name": "x.y", "shape": [1, 4]}, )" + kOneDense + "}",
                {"input.name: ", "letters, digits", "got \"x.y\""}},
        BadText{
            "SequentialTwoInputs",
            R"({"name": "n", "inputs": [{"name": "a", "shape": [1, 4]}, {"name": "b", "shape": [1, 4]}], )" +
                kOneDense + "}",
            {"layers: ", "exactly one input", "has 2", "graph form"}},
        BadText{
            "DuplicateInputs",
            R"({"name": "n", "inputs": [{"name": "a", "shape": [1, 4]}, {"name": "a", "shape": [1, 4]}],
                    "nodes": [{"name": "r", "type": "relu", "inputs": ["a"]}], "outputs": ["r"]})",
            {"inputs[1].name: ", "the name 'a' is already used by inputs[0].name"}},
        // Layers and nodes.
        BadText{
            "LayerNotObject", sequential("3"), {"layers[0]: ", "expected a layer object, got 3"}},
        BadText{"NoType",
                sequential(R"({"name": "a"})"),
                {"layers[0]: ", "missing the field \"type\""}},
        BadText{"LayerWithInputs",
                sequential(R"({"type": "relu", "inputs": ["x"]})"),
                {"layers[0].inputs: ", "reads the previous layer's output"}},
        BadText{"DuplicateLayerName",
                sequential(R"({"type": "relu", "name": "r"}, {"type": "relu", "name": "r"})"),
                {"layers[1].name: ", "'r' is already used by layers[0].name"}},
        BadText{"LayerNameTakesInputName",
                sequential(R"({"type": "relu", "name": "x"})"),
                {"layers[0].name: ", "'x' is already used by input.name"}},
        BadText{"LayerNameWithDot",
                sequential(R"({"type": "relu", "name": "a.b"})"),
                {"layers[0].name: ", "got \"a.b\""}},
        BadText{"NodeWithoutName",
                R"({"name": "n", )" + kInput +
                    R"("nodes": [{"type": "relu", "inputs": ["x"]}], "outputs": []})",
                {"nodes[0]: ", "missing the field \"name\""}},
        BadText{"NodeWithoutInputs",
                R"({"name": "n", )" + kInput +
                    R"("nodes": [{"name": "r", "type": "relu"}], "outputs": ["r"]})",
                {"nodes[0]: ", "missing the field \"inputs\""}},
        BadText{"NodeInputNotString",
                R"({"name": "n", )" + kInput +
                    R"("nodes": [{"name": "r", "type": "relu", "inputs": [0]}], "outputs": ["r"]})",
                {"nodes[0].inputs[0]: ", "expected an input or node name, got 0"}},
        BadText{
            "NodeReadsItself",
            R"({"name": "n", )" + kInput +
                R"("nodes": [{"name": "r", "type": "relu", "inputs": ["r"]}], "outputs": ["r"]})",
            {"nodes[0].inputs[0]: ", "unknown input 'r'"}},
        BadText{"AddInSequence",
                sequential(R"({"type": "add"})"),
                {"layers[0]: ", "add takes 2 inputs (a, b), got 1", "graph form"}},
        BadText{"ConvWithTwoInputs",
                R"({"name": "n", "inputs": [{"name": "x", "shape": [1, 2, 4, 4]}], "nodes": [
                    {"name": "c", "type": "conv2d", "inputs": ["x", "x"], "filters": 2, "kernel": 1}], "outputs": ["c"]})",
                {"nodes[0].inputs: ", "conv2d takes 1 input (x), got 2"}},
        BadText{"BlockWithTwoInputs",
                R"({"name": "n", "inputs": [{"name": "x", "shape": [1, 4]}], "nodes": [
                    {"name": "b", "type": "sequential", "inputs": ["x", "x"], "layers": [{"type": "relu"}]}], "outputs": ["b"]})",
                {"nodes[0].inputs: ", "a sequential block takes exactly one input, got 2"}},
        BadText{"BlockWithoutLayers",
                R"({"name": "n", "inputs": [{"name": "x", "shape": [1, 4]}], "nodes": [
                    {"name": "b", "type": "sequential", "inputs": ["x"]}], "outputs": ["b"]})",
                {"nodes[0]: ", "missing the field \"layers\""}},
        BadText{
            "BlockWithActivation",
            sequential(
                R"({"type": "sequential", "activation": "relu", "layers": [{"type": "relu"}]})"),
            {"layers[0].activation: ", "unknown field \"activation\" for a sequential block"}},
        BadText{
            "InnerLayerPath",
            R"({"name": "n", "inputs": [{"name": "x", "shape": [1, 4]}], "nodes": [
                    {"name": "b", "type": "sequential", "inputs": ["x"], "layers": [{"type": "relu"}, {"type": "dense"}]}],
                    "outputs": ["b"]})",
            {"nodes[0].layers[1] (dense 'b.dense_1'): ", "dense needs the attribute \"units\""}},
        // Attribute values.
        BadText{"IntAsFloat",
                sequential(R"({"type": "conv2d", "filters": 2.5, "kernel": 1})"),
                {"layers[0].filters: ", "expected an integer, got 2.5"}},
        BadText{"IntTooBig",
                sequential(R"({"type": "conv2d", "filters": 18446744073709551615, "kernel": 1})"),
                {"layers[0].filters: ", "expected an integer"}},
        BadText{"BoolAsInt",
                sequential(R"({"type": "conv2d", "filters": 2, "kernel": 1, "use_bias": 0})"),
                {"layers[0].use_bias: ", "expected true or false, got 0"}},
        BadText{"FloatAsString",
                sequential(R"({"type": "dropout", "rate": "0.5"})"),
                {"layers[0].rate: ", "expected a number, got \"0.5\""}},
        BadText{
            "BadChoice",
            sequential(R"({"type": "conv2d", "filters": 2, "kernel": 1, "padding_mode": "wrap"})"),
            {"layers[0].padding_mode: ",
             "expected \"zeros\", \"replicate\" or \"reflect\", got \"wrap\""}},
        BadText{"PairOfThree",
                sequential(R"({"type": "conv2d", "filters": 2, "kernel": [1, 2, 3]})"),
                {"layers[0].kernel: ", "[height, width]", "got [1,2,3]"}},
        BadText{"ZeroKernel",
                sequential(R"({"type": "max_pool2d", "kernel": 0})"),
                {"layers[0].kernel: ", "positive integer", "got 0"}},
        BadText{"PaddingWord",
                sequential(R"({"type": "conv2d", "filters": 2, "kernel": 1, "padding": "full"})"),
                {"layers[0].padding: ", "\"valid\", \"same\"", "got \"full\""}},
        BadText{
            "PaddingOfThree",
            sequential(R"({"type": "conv2d", "filters": 2, "kernel": 1, "padding": [1, 1, 1]})"),
            {"layers[0].padding: ", "[top, left, bottom, right]", "got [1,1,1]"}},
        BadText{"NegativePadding",
                sequential(R"({"type": "conv2d", "filters": 2, "kernel": 1, "padding": -1})"),
                {"layers[0].padding: ", "not negative", "got -1"}},
        BadText{
            "InternalAttribute",
            sequential(R"({"type": "conv2d", "filters": 2, "kernel": 1, "has_residual": true})"),
            {"layers[0].has_residual: ", "unknown field \"has_residual\" for conv2d"}},
        BadText{
            "InternalConcatAttribute",
            R"({"name": "n", )" + kInput +
                R"("nodes": [{"name": "c", "type": "concat", "inputs": ["x"], "in_place": true}], "outputs": ["c"]})",
            {"nodes[0].in_place: ", "unknown field \"in_place\" for concat"}},
        // Shape rules, attribute values the op rejects, limits.
        BadText{"NegativeFilters",
                sequential(R"({"type": "conv2d", "filters": -3, "kernel": 1})"),
                {"layers[0] (conv2d 'conv2d_1'): ", "filters must be positive"}},
        BadText{"HugeLayer",
                sequential(R"({"type": "dense", "units": 4000000000})", "[1, 4]"),
                {"layers[0] (dense 'dense_1'): ",
                 "'dense_1.weight' would have the shape 4000000000x4, more elements than"}},
        BadText{"OverflowingLayer",
                sequential(R"({"type": "dense", "units": 4611686018427387904})", "[1, 4]"),
                {"layers[0] (dense 'dense_1'): ", "the shape 4611686018427387904x4", "2^31 - 1"}},
        BadText{"DenseOnImage",
                sequential(R"({"type": "dense", "units": 2})"),
                {"layers[0] (dense 'dense_1'): ", "must be 2-D", "add a flatten layer"}},
        BadText{"WindowTooBig",
                sequential(R"({"type": "conv2d", "filters": 2, "kernel": 9})"),
                {"layers[0] (conv2d 'conv2d_1'): ", "does not fit"}},
        BadText{"DropoutRate",
                sequential(R"({"type": "dropout", "rate": 1.5})"),
                {"layers[0] (dropout 'dropout_1'): ", "rate must be in [0, 1)"}},
        // The activation shorthand.
        BadText{"ActivationOnRelu",
                sequential(R"({"type": "relu", "activation": "tanh"})"),
                {"layers[0].activation: ", "relu does not take the activation shorthand",
                 "conv2d, conv_transpose2d, dense"}},
        BadText{
            "UnknownActivation",
            sequential(R"({"type": "conv2d", "filters": 2, "kernel": 1, "activation": "gelu"})"),
            {"layers[0].activation: ", "relu, sigmoid, tanh, softmax", "got \"gelu\""}},
        // Outputs.
        BadText{"GraphWithoutOutputs",
                R"({"name": "n", )" + kInput +
                    R"("nodes": [{"name": "r", "type": "relu", "inputs": ["x"]}]})",
                {"the graph form needs \"outputs\""}},
        BadText{"UnknownOutput",
                sequential(R"({"type": "relu"})", "[1, 4]", R"("outputs": ["relu"], )"),
                {"outputs[0]: ", "unknown layer or node 'relu'", "did you mean 'relu_1'?"}},
        BadText{"OutputIsInput",
                sequential(R"({"type": "relu"})", "[1, 4]", R"("outputs": ["x"], )"),
                {"outputs[0]: ", "'x' is a model input"}},
        BadText{"OutputTwice",
                sequential(R"({"type": "relu"})", "[1, 4]", R"("outputs": ["relu_1", "relu_1"], )"),
                {"outputs[1]: ", "'relu_1' is listed twice"}},
        // Weights.
        BadText{"UnknownInit",
                sequential(R"({"type": "relu"})", "[1, 4]", R"("weights": {"init": "xavier"}, )"),
                {"weights.init: ", "expected \"glorot\" or \"he\", got \"xavier\""}},
        BadText{"NegativeSeed",
                sequential(R"({"type": "relu"})", "[1, 4]", R"("weights": {"seed": -1}, )"),
                {"weights.seed: ", "got -1"}},
        BadText{"FileAndInit",
                sequential(R"({"type": "relu"})", "[1, 4]",
                           R"("weights": {"file": "w", "init": "he"}, )"),
                {"weights: ", "either \"file\" or"}},
        BadText{"WeightsField",
                sequential(R"({"type": "relu"})", "[1, 4]", R"("weights": {"sead": 1}, )"),
                {"weights.sead: ", "did you mean \"seed\""}}),
    [](const auto &info) { return info.param.name; });

// ------------------------------------------- docs/spec.md, checked as stated

// Every JSON example in docs/spec.md parses; examples/tiny_resnet.json; and
// the doc's statements on "same" padding, ceil_mode and He initialization.
namespace spec_doc {

using ir::Graph;
using ir::Shape;

Graph parse(const std::string &text) { return frontend::parse_json_spec(text, "test.json", "."); }

Shape shape_of(const Graph &g, const std::string &name) {
  int id = g.find_value(name);
  EXPECT_GE(id, 0) << name;
  return id >= 0 ? g.value(id).type.shape : Shape{};
}
std::vector<std::string> node_names(const Graph &g) {
  std::vector<std::string> v;
  for (const auto &n : g.nodes) v.push_back(n.name);
  return v;
}
std::string input_name(const Graph &g, const std::string &node, size_t k) {
  return g.value(g.node(g.find_node(node)).inputs.at(k)).name;
}

std::vector<std::string> doc_json_blocks() {
  std::ifstream in(testing::source_path("docs/spec.md"));
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  std::vector<std::string> blocks;
  const std::string open = "```json\n", close = "```";
  for (size_t at = s.find(open); at != std::string::npos; at = s.find(open, at)) {
    size_t begin = at + open.size(), end = s.find(close, begin);
    blocks.push_back(s.substr(begin, end - begin));
    at = end + close.size();
  }
  return blocks;
}

TEST(SpecDoc, EveryJsonExampleParses) {
  std::vector<std::string> blocks = doc_json_blocks();
  ASSERT_FALSE(blocks.empty());
  for (const auto &b : blocks) {
    Graph g;
    ASSERT_NO_THROW(g = parse(b)) << b;
    if (g.name == "lenet5") {
      EXPECT_EQ(g.param_count(), 61706);
    }
  }
}

TEST(SpecDoc, TinyResNetExample) {
  Graph g = frontend::load_json_spec(testing::source_path("examples/tiny_resnet.json"));
  EXPECT_EQ(node_names(g),
            (std::vector<std::string>{"stem", "stem.relu", "block1.conv_a", "block1.bn_a", "block1.relu_a",
                                      "block1.conv_b", "block1.bn_b", "sum1", "relu1", "down", "down.relu",
                                      "pool", "both", "gap", "flat", "drop", "fc", "probs"}));
  EXPECT_EQ(input_name(g, "block1.conv_a", 0), "stem.relu");
  EXPECT_EQ(input_name(g, "sum1", 0), "stem.relu");
  EXPECT_EQ(input_name(g, "sum1", 1), "block1.bn_b");
  EXPECT_EQ(shape_of(g, "sum1"), (Shape{2, 16, 16, 16}));
  EXPECT_EQ(shape_of(g, "down"), (Shape{2, 24, 8, 8}));
  EXPECT_EQ(shape_of(g, "pool"), (Shape{2, 16, 8, 8}));
  EXPECT_EQ(input_name(g, "both", 0), "down.relu");
  EXPECT_EQ(shape_of(g, "both"), (Shape{2, 40, 8, 8}));
  EXPECT_EQ(shape_of(g, "fc"), (Shape{2, 10}));
  EXPECT_LT(g.find_value("block1.conv_a.bias"), 0);
  EXPECT_EQ(g.param_count(), 9074);
  ASSERT_EQ(g.outputs.size(), 2u);
  EXPECT_EQ(g.value(g.outputs[0]).name, "probs");
  EXPECT_EQ(g.value(g.outputs[1]).name, "fc");
}

ir::Window2d window_of(const Graph &g, const std::string &name, bool pool) {
  const ir::Node &n = g.node(g.find_node(name));
  const Shape &x = g.value(n.inputs[0]).type.shape;
  return ir::resolve_window(n.attrs, x[2], x[3], pool, n.attrs.has("ceil_mode") && n.attrs.get_int("ceil_mode"));
}

TEST(SpecDoc, SamePaddingPutsTheOddPixelAtTheEnd) {
  Graph g = parse(R"({"name": "n", "input": {"name": "x", "shape": [1, 1, 6, 7]}, "nodes": [
      {"name": "c", "type": "conv2d", "inputs": ["x"], "filters": 1, "kernel": 3, "stride": 2, "padding": "same"},
      {"name": "p", "type": "max_pool2d", "inputs": ["x"], "kernel": 4, "stride": 1, "padding": "same"}],
      "outputs": ["c", "p"]})");
  EXPECT_EQ(shape_of(g, "c"), (Shape{1, 1, 3, 4}));
  ir::Window2d c = window_of(g, "c", false);
  EXPECT_EQ(c.pad_top, 0);     // 6 high: total 1
  EXPECT_EQ(c.pad_bottom, 1);
  EXPECT_EQ(c.pad_left, 1);    // 7 wide: total 2
  EXPECT_EQ(c.pad_right, 1);
  ir::Window2d p = window_of(g, "p", true);
  EXPECT_EQ(shape_of(g, "p"), (Shape{1, 1, 6, 7}));
  EXPECT_EQ(p.pad_top, 1);     // total 3
  EXPECT_EQ(p.pad_bottom, 2);
}

TEST(SpecDoc, PoolingCeilModeAndStrideDefault) {
  Graph g = parse(R"({"name": "n", "input": {"name": "x", "shape": [1, 1, 6, 5]}, "nodes": [
      {"name": "floor", "type": "max_pool2d", "inputs": ["x"], "kernel": 3, "stride": 2},
      {"name": "ceil", "type": "max_pool2d", "inputs": ["x"], "kernel": 3, "stride": 2, "ceil_mode": true},
      {"name": "same", "type": "avg_pool2d", "inputs": ["x"], "kernel": 3, "stride": 2, "padding": "same"},
      {"name": "pad", "type": "max_pool2d", "inputs": ["x"], "kernel": 2, "padding": 1, "ceil_mode": true},
      {"name": "dflt", "type": "avg_pool2d", "inputs": ["x"], "kernel": 2}],
      "outputs": ["floor", "ceil", "same", "pad", "dflt"]})");
  EXPECT_EQ(shape_of(g, "floor"), (Shape{1, 1, 2, 2}));
  EXPECT_EQ(shape_of(g, "ceil"), (Shape{1, 1, 3, 2}));  // 6 high: a third window at 4; 5 wide: (5-3)/2 exact
  EXPECT_EQ(shape_of(g, "same"), (Shape{1, 1, 3, 3}));
  // 5 wide, kernel 2, stride 2 (the kernel), padding 1: ceil would give 4, but
  // the 4th window would start at 6 >= 5 + 1, in the padding: dropped.
  EXPECT_EQ(shape_of(g, "pad"), (Shape{1, 1, 4, 3}));
  EXPECT_FALSE(g.node(g.find_node("dflt")).attrs.has("stride"));
  EXPECT_EQ(shape_of(g, "dflt"), (Shape{1, 1, 3, 2}));
  EXPECT_EQ(g.node(g.find_node("dflt")).attrs.get_int("count_include_pad"), 0);
}

uint64_t fnv1a64(const std::string &s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

struct DocRng {
  uint64_t state;
  double uniform() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return static_cast<double>(z >> 40) / 16777216.0;
  }
};

TEST(SpecDoc, HeIsTheDocumentedBoxMuller) {
  // dense 3 -> 5: 15 weights, 7 pairs and a cosine without its sine.
  Graph g = parse(R"({"name": "n", "input": {"name": "x", "shape": [1, 3]}, "weights": {"init": "he", "seed": 7},
      "layers": [{"type": "dense", "name": "d", "units": 5}]})");
  const auto &w = *g.value(g.find_value("d.weight")).data;
  ASSERT_EQ(w.size(), 15u);
  DocRng rng{7 ^ fnv1a64("d.weight")};
  const double stddev = std::sqrt(2.0 / 3), two_pi = 6.283185307179586;
  for (size_t k = 0; k < w.size(); k += 2) {
    double u1 = 1.0 - rng.uniform(), u2 = rng.uniform();
    double r = std::sqrt(-2.0 * std::log(u1)) * stddev;
    EXPECT_EQ(w[k], static_cast<float>(r * std::cos(two_pi * u2))) << k;
    if (k + 1 < w.size()) {
      EXPECT_EQ(w[k + 1], static_cast<float>(r * std::sin(two_pi * u2))) << k;
    }
  }
}

}  // namespace spec_doc

}  // namespace
}  // namespace kiln
