// A training library end to end: a small network compiled with its
// training graph, trained through NAME_train_step, against the same steps
// on the reference interpreter (float32): the loss of every step, the
// trained parameters, and NAME_run's output with them, to
// 1e-4 * (1 + |want|). Then `kiln compile --train` from the command line.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "codegen/compile_library.h"
#include "codegen/kernel_compiler.h"
#include "ir/errors.h"
#include "passes/autodiff.h"
#include "passes/eliminate_dead_nodes.h"
#include "passes/pass_manager.h"
#include "reference/interpreter.h"
#include "tests/test_util.h"

namespace kiln {
namespace {

using reference::Tensor;
using ints = std::vector<int64_t>;

constexpr int64_t kBatch = 8, kFeatures = 6, kHidden = 10, kClasses = 3;

ir::Attrs attrs(std::initializer_list<std::pair<const char *, ir::AttrValue>> kv) {
  ir::Attrs a;
  for (const auto &[k, v] : kv) a.set(k, v);
  return a;
}

ir::Graph mlp() {
  ir::Graph g;
  g.name = "mlp";
  auto param = [&](const std::string &n, ir::Shape s, uint64_t seed, float scale) {
    std::vector<float> v = testing::random_floats(ir::numel(s), seed);
    for (float &x : v) x *= scale;
    return g.add_param(n, {ir::DType::F32, s}, v);
  };
  auto node = [&](const std::string &op, const std::string &n, std::vector<int> in, ir::Attrs a) {
    return g.node(g.add_node(op, n, in, a)).outputs[0];
  };
  int x = g.add_input("x", {ir::DType::F32, {kBatch, kFeatures}});
  int h = node(
      "dense", "h",
      {x, param("h.weight", {kHidden, kFeatures}, 1, 0.5f), param("h.bias", {kHidden}, 2, 0.1f)},
      attrs({{"units", kHidden}}));
  int bn =
      node("batch_norm", "bn",
           {h, param("bn.gamma", {kHidden}, 3, 0.2f), param("bn.beta", {kHidden}, 4, 0.1f),
            param("bn.mean", {kHidden}, 5, 0.0f),
            g.add_param("bn.var", {ir::DType::F32, {kHidden}}, std::vector<float>(kHidden, 1.0f))},
           {});
  int t = node("tanh", "t", {bn}, {});
  int out = node("dense", "out",
                 {t, param("out.weight", {kClasses, kHidden}, 6, 0.5f),
                  param("out.bias", {kClasses}, 7, 0.1f)},
                 attrs({{"units", kClasses}}));
  g.mark_output(node("softmax", "probs", {out}, {}));
  return g;
}

struct Batch {
  Tensor x{{kBatch, kFeatures}}, labels{{kBatch}};
  Batch() {
    x.data = testing::random_floats(x.numel(), 11);
    for (int64_t n = 0; n < kBatch; n++) labels.data[n] = static_cast<float>(n % kClasses);
  }
};

// The symbols of a training library.
struct TrainApi {
  void *handle = nullptr;
  int (*create)(void **) = nullptr;
  void (*destroy)(void *) = nullptr;
  int (*run)(void *, const float *const *, float *const *) = nullptr;
  int (*train_step)(void *, const float *const *, const float *, float *) = nullptr;
  int64_t (*labels_size)(void) = nullptr;
  size_t (*weights_bytes)(void) = nullptr;
  int (*get_weights)(const void *, void *) = nullptr;
  int (*set_weights)(void *, const void *) = nullptr;
  const char *(*error_message)(const void *) = nullptr;

  std::string prefix;
  TrainApi(const std::string &so, const std::string &name) : prefix(name + "_") {
    handle = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) throw std::runtime_error(dlerror());
    bind(create, "create");
    bind(destroy, "destroy");
    bind(run, "run");
    bind(train_step, "train_step");
    bind(labels_size, "labels_size");
    bind(weights_bytes, "weights_bytes");
    bind(get_weights, "get_weights");
    bind(set_weights, "set_weights");
    bind(error_message, "error_message");
  }
  ~TrainApi() { dlclose(handle); }
  template <typename F>
  void bind(F &f, const char *name) {
    f = reinterpret_cast<F>(dlsym(handle, (prefix + name).c_str()));
    if (!f) throw std::runtime_error("missing " + prefix + name);
  }
};

TEST(TrainLibrary, TrainStepsMatchTheReference) {
  passes::TrainingOptions o;
  o.optimizer = "momentum";
  o.lr_attrs = attrs({{"lr", 0.1}});
  const ir::Graph model = mlp();
  const ir::Graph train =
      passes::eliminate_dead_nodes(passes::build_training_graph(model, o).graph);
  passes::PassOptions keep;
  keep.passes = {"eliminate-identity", "fuse-epilogue", "eliminate-dead-nodes"};
  const ir::Graph inference = passes::run_passes(model, keep);

  testing::TempDir dir;
  codegen::CompileOptions options;
  options.out_dir = dir.path().string();
  options.cache_dir = codegen::default_cache_dir();
  options.train_graph = &train;
  const codegen::CompileReport report = codegen::compile_library(inference, options);
  std::ifstream header(report.header);
  const std::string text((std::istreambuf_iterator<char>(header)),
                         std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("int mlp_train_step(mlp_model *model"), std::string::npos);

  TrainApi api(report.shared_library, "mlp");
  void *m = nullptr;
  ASSERT_EQ(api.create(&m), 0);
  EXPECT_EQ(api.labels_size(), kBatch);
  const Batch batch;
  const float *inputs[] = {batch.x.data.data()};

  // The reference: the training graph on float32, parameters updated per step.
  std::map<int, Tensor> state = {{train.find_value("x"), batch.x},
                                 {train.find_value("labels"), batch.labels}};
  std::vector<float> losses;
  for (int step = 0; step < 5; step++) {
    const std::vector<Tensor> values = reference::evaluate(train, state);
    for (const auto &[param, value] : reference::updated_params(train, values))
      state[param] = value;
    float loss = -1;
    ASSERT_EQ(api.train_step(m, inputs, batch.labels.data.data(), &loss), 0)
        << api.error_message(m);
    const float want = values[train.outputs[0]].data[0];
    EXPECT_NEAR(loss, want, 1e-4 * (1 + std::fabs(want))) << "step " << step;
    losses.push_back(loss);
  }
  EXPECT_LT(losses.back(), losses.front()) << "the loss should fall on a fixed batch";

  // NAME_run with the trained parameters (inference: running statistics).
  ir::Graph trained = inference;
  for (int id : trained.param_ids()) {
    const int tid = train.find_value(trained.value(id).name);
    if (state.count(tid))
      trained.values[id].data = std::make_shared<const std::vector<float>>(state.at(tid).data);
  }
  const Tensor want = reference::run_graph(trained, {batch.x})[0];
  Tensor got({kBatch, kClasses});
  float *outputs[] = {got.data.data()};
  ASSERT_EQ(api.run(m, inputs, outputs), 0) << api.error_message(m);
  for (int64_t k = 0; k < want.numel(); k++)
    EXPECT_NEAR(got.data[k], want.data[k], 1e-4 * (1 + std::fabs(want.data[k])));

  // A checkpoint restores the parameters, the optimizer state and the step.
  std::vector<unsigned char> saved(api.weights_bytes());
  ASSERT_EQ(api.get_weights(m, saved.data()), 0);
  float a = 0, b = 0;
  ASSERT_EQ(api.train_step(m, inputs, batch.labels.data.data(), &a), 0);
  ASSERT_EQ(api.set_weights(m, saved.data()), 0);
  ASSERT_EQ(api.train_step(m, inputs, batch.labels.data.data(), &b), 0);
  EXPECT_EQ(a, b);
  EXPECT_NE(api.train_step(m, nullptr, batch.labels.data.data(), &b), 0);
  EXPECT_NE(std::string(api.error_message(m)).find("inputs is NULL"), std::string::npos)
      << api.error_message(m);
  api.destroy(m);
}

// The textbook backpropagation example: a 2-2-1 sigmoid network learns XOR
// (binary cross-entropy, momentum 0.9, learning rate 0.5, full batch).
TEST(TrainLibrary, LearnsXor) {
  ir::Graph g;
  g.name = "xor";
  int x = g.add_input("x", {ir::DType::F32, {4, 2}});
  auto dense = [&](const std::string &n, int in, int64_t units, std::vector<float> w,
                   std::vector<float> b) {
    int64_t k = g.value(in).type.shape[1];
    int wid = g.add_param(n + ".weight", {ir::DType::F32, {units, k}}, w);
    int bid = g.add_param(n + ".bias", {ir::DType::F32, {units}}, b);
    int y = g.node(g.add_node("dense", n, {in, wid, bid}, attrs({{"units", units}}))).outputs[0];
    return g.node(g.add_node("sigmoid", n + ".sigmoid", {y}, {})).outputs[0];
  };
  int h = dense("hidden", x, 2, {0.5f, -0.4f, 0.3f, 0.8f}, {0.1f, -0.2f});
  g.mark_output(dense("out", h, 1, {0.6f, -0.7f}, {0.05f}));

  passes::TrainingOptions o;
  o.loss = "bce_loss";
  o.optimizer = "momentum";
  o.optimizer_attrs = attrs({{"momentum", 0.9}});
  o.lr_attrs = attrs({{"lr", 0.5}});
  const ir::Graph train = passes::eliminate_dead_nodes(passes::build_training_graph(g, o).graph);
  testing::TempDir dir;
  codegen::CompileOptions options;
  options.out_dir = dir.path().string();
  options.cache_dir = codegen::default_cache_dir();
  options.train_graph = &train;
  const codegen::CompileReport report = codegen::compile_library(g, options);
  TrainApi api(report.shared_library, "xor");
  void *m = nullptr;
  ASSERT_EQ(api.create(&m), 0);
  const float inputs[] = {0, 0, 0, 1, 1, 0, 1, 1}, labels[] = {0, 1, 1, 0};
  const float *in[] = {inputs};
  float loss = 0;
  for (int step = 0; step < 1000; step++) ASSERT_EQ(api.train_step(m, in, labels, &loss), 0);
  EXPECT_LT(loss, 0.02f);
  float y[4];
  float *out[] = {y};
  ASSERT_EQ(api.run(m, in, out), 0);
  for (int k = 0; k < 4; k++) EXPECT_NEAR(y[k], labels[k], 0.05f) << "XOR of row " << k;
  api.destroy(m);
}

TEST(TrainLibrary, CommandLine) {
  testing::TempDir dir;
  {
    std::ofstream spec(dir / "tiny.json");
    spec << R"({"name": "tiny", "input": {"name": "x", "shape": [4, 3]},
      "layers": [{"type": "dense", "name": "fc", "units": 2, "activation": "sigmoid"}]})";
  }
  const std::string base =
      testing::kiln_binary() + " compile " + (dir / "tiny.json") + " -o " + (dir / "out");
  testing::CommandResult r = testing::run_shell(
      base + " --train --loss bce_loss --optimizer adam --lr 0.01 --weight-decay 0.001");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ifstream header(dir / "out/tiny.h");
  const std::string text((std::istreambuf_iterator<char>(header)),
                         std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("tiny_train_step"), std::string::npos);
  EXPECT_NE(text.find("tiny_set_weights"), std::string::npos);

  r = testing::run_shell(base + " --optimizer adam");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--optimizer needs --train"), std::string::npos) << r.output;
  r = testing::run_shell(base + " --train --optimizer lbfgs");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("unknown optimizer 'lbfgs'"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace kiln
