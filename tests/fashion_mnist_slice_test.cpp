// Training on real data: a small conv network on a slice of Fashion-MNIST
// (Debian's dataset-fashion-mnist; skipped when it is not installed).
// - The compiled gradients of one batch (a library whose outputs are the
//   training graph's loss and parameter gradients) match the reference
//   interpreter's: every element within 2e-4 * the tensor's largest
//   magnitude, the loss within 1e-5 relative.
// - A training library (Adam, lr 3e-3) trained for four passes over 256
//   images: the mean loss of the last pass is below 70% of the first's.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "codegen/compile_library.h"
#include "codegen/kernel_compiler.h"
#include "frontend/load_model.h"
#include "passes/autodiff.h"
#include "passes/eliminate_dead_nodes.h"
#include "passes/pass_manager.h"
#include "reference/interpreter.h"
#include "tests/test_util.h"

namespace kiln {
namespace {

using reference::Tensor;

constexpr int64_t kBatch = 32, kSlice = 256, kPixels = 784;
const char *const kData = "/usr/share/datasets/fashion-mnist";

// The first `count` records of an IDX .gz file past its header, as floats
// (pixels / 255 for images, class indices for labels).
std::vector<float> read_idx(const std::string &path, size_t header, int64_t count, float scale) {
  FILE *p = popen(("gzip -dc '" + path + "'").c_str(), "r");
  if (!p) throw std::runtime_error("cannot run gzip");
  std::vector<unsigned char> bytes(header + count);
  const size_t n = fread(bytes.data(), 1, bytes.size(), p);
  pclose(p);  // gzip may see a broken pipe; only the bytes read matter
  if (n != bytes.size()) throw std::runtime_error(path + ": too short");
  std::vector<float> out(count);
  for (int64_t k = 0; k < count; k++) out[k] = bytes[header + k] * scale;
  return out;
}

struct Slice {
  std::vector<float> images, labels;
  Slice() {
    const std::string dir = kData;
    images = read_idx(dir + "/train-images-idx3-ubyte.gz", 16, kSlice * kPixels, 1.0f / 255);
    labels = read_idx(dir + "/train-labels-idx1-ubyte.gz", 8, kSlice, 1.0f);
  }
  const float *batch_images(int64_t b) const { return images.data() + b * kBatch * kPixels; }
  const float *batch_labels(int64_t b) const { return labels.data() + b * kBatch; }
};

ir::Graph small_net(const testing::TempDir &dir) {
  std::ofstream(dir / "slice.json") << R"({"name": "slice", "weights": {"seed": 7},
    "input": {"name": "image", "shape": [32, 1, 28, 28]},
    "layers": [
      {"type": "conv2d", "name": "conv", "filters": 4, "kernel": 5, "activation": "relu"},
      {"type": "max_pool2d", "name": "pool", "kernel": 2},
      {"type": "flatten", "name": "flat"},
      {"type": "dense", "name": "fc", "units": 10}]})";
  return frontend::load_model(dir / "slice.json");
}

struct Symbols {
  void *handle;
  int (*create)(void **);
  void (*destroy)(void *);
  int (*run)(void *, const float *const *, float *const *);
  int (*train_step)(void *, const float *const *, const float *, float *);
  explicit Symbols(const std::string &so, bool training) {
    handle = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) throw std::runtime_error(dlerror());
    create = reinterpret_cast<decltype(create)>(dlsym(handle, "slice_create"));
    destroy = reinterpret_cast<decltype(destroy)>(dlsym(handle, "slice_destroy"));
    run = reinterpret_cast<decltype(run)>(dlsym(handle, "slice_run"));
    train_step = training
                     ? reinterpret_cast<decltype(train_step)>(dlsym(handle, "slice_train_step"))
                     : nullptr;
    if (!create || !destroy || !run || (training && !train_step))
      throw std::runtime_error("missing symbols in " + so);
  }
  ~Symbols() { dlclose(handle); }
};

class FashionMnistSlice : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(std::string(kData) + "/train-images-idx3-ubyte.gz"))
      GTEST_SKIP() << "Fashion-MNIST is not installed in " << kData
                   << " (apt-get install dataset-fashion-mnist)";
  }
};

TEST_F(FashionMnistSlice, CompiledGradientsMatchTheReference) {
  const Slice data;
  testing::TempDir dir;
  passes::TrainingOptions o;
  o.optimizer = "sgd";
  passes::TrainingGraph tg = passes::build_training_graph(small_net(dir), o);
  // The gradients as outputs of an ordinary library.
  ir::Graph grads = tg.graph;
  grads.name = "slice";
  grads.updates.clear();
  grads.outputs = {tg.graph.outputs[0]};
  std::vector<int> params;
  for (const auto &[param, grad] : tg.gradients) {
    params.push_back(param);
    grads.outputs.push_back(grad);
  }
  grads = passes::eliminate_dead_nodes(grads);
  codegen::CompileOptions options;
  options.out_dir = dir / "grads";
  options.cache_dir = codegen::default_cache_dir();
  const codegen::CompileReport report = codegen::compile_library(grads, options);
  Symbols lib(report.shared_library, false);

  Tensor x({kBatch, 1, 28, 28}), labels({kBatch});
  std::copy(data.batch_images(0), data.batch_images(1), x.data.begin());
  std::copy(data.batch_labels(0), data.batch_labels(1), labels.data.begin());
  const std::map<int, Tensor> given = {{tg.graph.inputs[0], x}, {tg.labels, labels}};
  const std::vector<Tensor> want = reference::evaluate(tg.graph, given);

  std::vector<std::vector<float>> got(grads.outputs.size());
  std::vector<float *> outputs;
  for (size_t k = 0; k < got.size(); k++) {
    got[k].resize(grads.value(grads.outputs[k]).type.numel());
    outputs.push_back(got[k].data());
  }
  void *m = nullptr;
  ASSERT_EQ(lib.create(&m), 0);
  const float *inputs[] = {x.data.data(), labels.data.data()};
  ASSERT_EQ(lib.run(m, inputs, outputs.data()), 0);
  lib.destroy(m);

  const float loss = want[tg.loss].data[0];
  EXPECT_NEAR(got[0][0], loss, 1e-5 * loss);
  EXPECT_GT(loss, 1.5f) << "an untrained 10-class model starts near ln 10";
  for (size_t k = 0; k < params.size(); k++) {
    const std::vector<float> &w = want[tg.gradients.at(params[k])].data;
    ASSERT_EQ(w.size(), got[k + 1].size());
    float largest = 0;
    for (float v : w) largest = std::max(largest, std::fabs(v));
    EXPECT_GT(largest, 0.0f) << tg.graph.value(params[k]).name;
    int bad = 0;
    for (size_t i = 0; i < w.size(); i++)
      if (std::fabs(got[k + 1][i] - w[i]) > 2e-4f * largest && bad++ < 5)
        ADD_FAILURE() << tg.graph.value(params[k]).name << "[" << i << "]: " << got[k + 1][i]
                      << " vs " << w[i];
  }
}

TEST_F(FashionMnistSlice, LossFalls) {
  const Slice data;
  testing::TempDir dir;
  const ir::Graph model = small_net(dir);
  passes::TrainingOptions o;
  o.optimizer = "adam";
  o.lr_attrs.set("lr", 3e-3);
  const ir::Graph train =
      passes::eliminate_dead_nodes(passes::build_training_graph(model, o).graph);
  passes::PassOptions keep;
  keep.passes = {"eliminate-identity", "fuse-epilogue", "eliminate-dead-nodes"};
  const ir::Graph inference = passes::run_passes(model, keep);
  codegen::CompileOptions options;
  options.out_dir = dir / "train";
  options.cache_dir = codegen::default_cache_dir();
  options.train_graph = &train;
  const codegen::CompileReport report = codegen::compile_library(inference, options);
  Symbols lib(report.shared_library, true);
  void *m = nullptr;
  ASSERT_EQ(lib.create(&m), 0);
  std::vector<double> pass_loss;
  for (int pass = 0; pass < 4; pass++) {
    double sum = 0;
    for (int64_t b = 0; b < kSlice / kBatch; b++) {
      const float *inputs[] = {data.batch_images(b)};
      float loss = 0;
      ASSERT_EQ(lib.train_step(m, inputs, data.batch_labels(b), &loss), 0);
      ASSERT_TRUE(std::isfinite(loss));
      sum += loss;
    }
    pass_loss.push_back(sum / (kSlice / kBatch));
  }
  lib.destroy(m);
  EXPECT_LT(pass_loss.back(), 0.7 * pass_loss.front())
      << "mean loss per pass: " << pass_loss[0] << ", " << pass_loss[1] << ", " << pass_loss[2]
      << ", " << pass_loss[3];
}

}  // namespace
}  // namespace kiln
