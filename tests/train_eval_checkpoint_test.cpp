// A training library's evaluation, classification metrics and checkpoints
// (docs/training.md), through libraries built by `kiln compile --train`:
// - NAME_evaluate's loss equals the loss the compiled train step reports on
//   the same batch before it updates anything (models without batch norm or
//   dropout, so training and inference forwards agree), to 1e-5 relative,
//   for every loss and both softmax cross-entropy forms; its outputs equal
//   NAME_run's exactly.
// - NAME_confusion_add / NAME_classification_metrics against a confusion
//   matrix and metrics worked out by hand (stated below as fractions).
// - A checkpoint round trip restores the weights and optimizer state bit for
//   bit; damaged files are refused and change nothing; a checkpoint is the
//   weights file of an inference compile of the same spec.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <fstream>

#include "tests/test_util.h"

namespace kiln {
namespace {

constexpr int64_t kBatch = 8, kFeatures = 6;

// The symbols of a library from `kiln compile` (a training library when
// `training`).
struct Library {
  void *handle = nullptr;
  std::string prefix;
  int (*create)(void **) = nullptr;
  void (*destroy)(void *) = nullptr;
  int (*run)(void *, const float *const *, float *const *) = nullptr;
  const char *(*error_message)(const void *) = nullptr;
  int (*train_step)(void *, const float *const *, const float *, float *) = nullptr;
  int64_t (*labels_size)(void) = nullptr;
  size_t (*weights_bytes)(void) = nullptr;
  int (*get_weights)(const void *, void *) = nullptr;
  int (*evaluate)(void *, const float *const *, const float *, float *, float *const *) = nullptr;
  int (*save_checkpoint)(const void *, const char *) = nullptr;
  int (*load_checkpoint)(void *, const char *) = nullptr;
  int (*confusion_add)(int64_t *, int64_t, const float *, const float *, int64_t) = nullptr;
  int (*classification_metrics)(const int64_t *, int64_t, double *, double *, double *, double *,
                                double *) = nullptr;

  Library(const std::string &dir, const std::string &name, bool training) : prefix(name + "_") {
    const std::string so = dir + "/lib" + name + ".so";
    handle = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) throw std::runtime_error(dlerror());
    bind(create, "create");
    bind(destroy, "destroy");
    bind(run, "run");
    bind(error_message, "error_message");
    if (!training) return;
    bind(train_step, "train_step");
    bind(labels_size, "labels_size");
    bind(weights_bytes, "weights_bytes");
    bind(get_weights, "get_weights");
    bind(evaluate, "evaluate");
    bind(save_checkpoint, "save_checkpoint");
    bind(load_checkpoint, "load_checkpoint");
    bind(confusion_add, "confusion_add");
    bind(classification_metrics, "classification_metrics");
  }
  ~Library() { dlclose(handle); }
  template <typename F>
  void bind(F &f, const char *name) {
    f = reinterpret_cast<F>(dlsym(handle, (prefix + name).c_str()));
    if (!f) throw std::runtime_error("missing " + prefix + name);
  }
};

// A 6 -> 10 (relu) -> `units` MLP spec; `tail` is appended to its layers.
std::string mlp_spec(const std::string &name, int units, const std::string &tail,
                     const std::string &weights = "") {
  return R"({"name": ")" + name + R"(", "input": {"name": "x", "shape": [8, 6]},
    "weights": )" +
         (weights.empty() ? R"({"init": "glorot", "seed": 3})"
                          : R"({"file": ")" + weights + R"("})") +
         R"(, "layers": [
      {"type": "dense", "name": "h", "units": 10, "activation": "relu"},
      {"type": "dense", "name": "out", "units": )" +
         std::to_string(units) + "}" + tail + "]}";
}

// Compiles `spec` (written to DIR/NAME.json) into DIR/NAME/.
std::string compile(const testing::TempDir &dir, const std::string &name, const std::string &spec,
                    const std::string &flags) {
  {
    std::ofstream out(dir / (name + ".json"));
    out << spec;
  }
  const std::string out_dir = dir / name;
  testing::CommandResult r =
      testing::run_shell(testing::kiln_binary() + " compile " + (dir / (name + ".json")) + " -o " +
                         out_dir + " --quiet " + flags);
  if (r.exit_code != 0) throw std::runtime_error("kiln compile failed: " + r.output);
  return out_dir;
}

std::vector<float> inputs_of_batch() { return testing::random_floats(kBatch * kFeatures, 21); }

struct EvalCase {
  std::string name, tail, flags;
  int units;
  bool class_labels;  // softmax cross-entropy: class indices; otherwise targets in [0, 1]
};

class EvaluateLoss : public ::testing::TestWithParam<EvalCase> {};

TEST_P(EvaluateLoss, EqualsTheTrainStepLossBeforeTheUpdate) {
  const EvalCase &c = GetParam();
  testing::TempDir dir;
  const std::string out =
      compile(dir, c.name, mlp_spec(c.name, c.units, c.tail), "--train " + c.flags);
  Library lib(out, c.name, true);
  void *m = nullptr;
  ASSERT_EQ(lib.create(&m), 0);
  const std::vector<float> x = inputs_of_batch();
  std::vector<float> labels(lib.labels_size());
  for (size_t k = 0; k < labels.size(); k++)
    labels[k] = c.class_labels ? static_cast<float>(k % c.units) : (k % 3) * 0.5f;
  const float *in[] = {x.data()};
  std::vector<float> eval_out(kBatch * c.units), run_out(kBatch * c.units);
  float *eval_outputs[] = {eval_out.data()}, *run_outputs[] = {run_out.data()};
  float eval_loss = -1, step_loss = -1;
  ASSERT_EQ(lib.evaluate(m, in, labels.data(), &eval_loss, eval_outputs), 0)
      << lib.error_message(m);
  ASSERT_EQ(lib.run(m, in, run_outputs), 0);
  EXPECT_EQ(eval_out, run_out);
  ASSERT_EQ(lib.train_step(m, in, labels.data(), &step_loss), 0) << lib.error_message(m);
  EXPECT_NEAR(eval_loss, step_loss, 1e-5 * std::fabs(step_loss)) << c.name;
  // The weights have moved: the loss of a second evaluation differs.
  float after = -1;
  ASSERT_EQ(lib.evaluate(m, in, labels.data(), &after, eval_outputs), 0);
  EXPECT_NE(after, eval_loss);
  if (c.class_labels) {
    labels[0] = static_cast<float>(c.units);  // not a class
    EXPECT_NE(lib.evaluate(m, in, labels.data(), &after, eval_outputs), 0);
    EXPECT_NE(std::string(lib.error_message(m)).find("is not a class index"), std::string::npos)
        << lib.error_message(m);
  }
  lib.destroy(m);
}

INSTANTIATE_TEST_SUITE_P(
    Losses, EvaluateLoss,
    ::testing::Values(EvalCase{"probs", R"(, {"type": "softmax", "name": "probs"})",
                               "--optimizer adam", 3, true},
                      EvalCase{"logits", "", "--optimizer sgd --lr 0.5", 3, true},
                      EvalCase{"mse", "", "--loss mse_loss --lr 0.5", 3, false},
                      EvalCase{"bcel", "", "--loss bce_with_logits_loss --lr 0.5", 3, false},
                      EvalCase{"bce", R"(, {"type": "sigmoid", "name": "p"})",
                               "--loss bce_loss --lr 0.5", 3, false}),
    [](const ::testing::TestParamInfo<EvalCase> &info) { return info.param.name; });

// A confusion matrix worked out by hand. Four classes, eleven rows:
//   true 0: predicted 0, 0, 1, 2      true 1: predicted 1, 1, 0
//   true 2: predicted 2, 2, 1         true 3: predicted 0 (class 3 is never predicted)
// The first row ties classes 0 and 1 (the first wins).
TEST(Metrics, HandCheckedConfusionMatrix) {
  testing::TempDir dir;
  const std::string out = compile(dir, "probs", mlp_spec("probs", 3, ""), "--train");
  Library lib(out, "probs", true);
  const float labels[] = {0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3};
  const int predicted[] = {0, 0, 1, 2, 1, 1, 0, 2, 2, 1, 0};
  std::vector<float> scores(11 * 4, 0.0f);
  for (int r = 0; r < 11; r++) {
    for (int c = 0; c < 4; c++) scores[r * 4 + c] = 0.1f * static_cast<float>((r + c) % 3);
    scores[r * 4 + predicted[r]] = 2.0f + 0.01f * r;
  }
  scores[1] = scores[0];  // row 0: a tie of classes 0 and 1
  std::vector<int64_t> confusion(16, 0);
  // Two batches add up.
  ASSERT_EQ(lib.confusion_add(confusion.data(), 4, scores.data(), labels, 5), 0);
  ASSERT_EQ(lib.confusion_add(confusion.data(), 4, scores.data() + 5 * 4, labels + 5, 6), 0);
  const std::vector<int64_t> want = {2, 1, 1, 0,  //
                                     1, 2, 0, 0,  //
                                     0, 1, 2, 0,  //
                                     1, 0, 0, 0};
  EXPECT_EQ(confusion, want);
  // A label that is not a class: an error, and nothing is added.
  const float bad[] = {1, 4};
  EXPECT_NE(lib.confusion_add(confusion.data(), 4, scores.data(), bad, 2), 0);
  EXPECT_EQ(confusion, want);

  double accuracy = 0, precision[4], recall[4], f1[4], macro[3];
  ASSERT_EQ(
      lib.classification_metrics(confusion.data(), 4, &accuracy, precision, recall, f1, macro), 0);
  // Precision: column sums 4, 4, 3, 0; recall: row sums 4, 3, 3, 1.
  const double p[] = {2.0 / 4, 2.0 / 4, 2.0 / 3, 0}, r[] = {2.0 / 4, 2.0 / 3, 2.0 / 3, 0};
  const double f[] = {0.5, 4.0 / 7, 2.0 / 3, 0};  // 2pr / (p + r)
  EXPECT_DOUBLE_EQ(accuracy, 6.0 / 11);
  for (int c = 0; c < 4; c++) {
    EXPECT_DOUBLE_EQ(precision[c], p[c]) << c;
    EXPECT_DOUBLE_EQ(recall[c], r[c]) << c;
    EXPECT_DOUBLE_EQ(f1[c], f[c]) << c;
  }
  EXPECT_DOUBLE_EQ(macro[0], (0.5 + 0.5 + 2.0 / 3) / 4);
  EXPECT_DOUBLE_EQ(macro[1], (0.5 + 2.0 / 3 + 2.0 / 3) / 4);
  EXPECT_DOUBLE_EQ(macro[2], (0.5 + 4.0 / 7 + 2.0 / 3) / 4);
  // NULL arrays are allowed.
  double only = 0;
  EXPECT_EQ(
      lib.classification_metrics(confusion.data(), 4, &only, nullptr, nullptr, nullptr, nullptr),
      0);
  EXPECT_DOUBLE_EQ(only, 6.0 / 11);
}

std::vector<unsigned char> weights_of(const Library &lib, void *m) {
  std::vector<unsigned char> w(lib.weights_bytes());
  if (lib.get_weights(m, w.data()) != 0) throw std::runtime_error("get_weights failed");
  return w;
}

TEST(Checkpoint, SaveTrainLoadRestoresEverything) {
  testing::TempDir dir;
  const std::string spec = mlp_spec("ck", 3, R"(, {"type": "softmax", "name": "probs"})");
  const std::string out = compile(dir, "ck", spec, "--train --optimizer adam --lr 0.01");
  Library lib(out, "ck", true);
  void *m = nullptr;
  ASSERT_EQ(lib.create(&m), 0);
  const std::vector<float> x = inputs_of_batch();
  const float labels[kBatch] = {0, 1, 2, 0, 1, 2, 0, 1};
  const float *in[] = {x.data()};
  float loss = 0;
  for (int s = 0; s < 3; s++) ASSERT_EQ(lib.train_step(m, in, labels, &loss), 0);

  const std::string ckpt = dir / "ck.weights";
  ASSERT_EQ(lib.save_checkpoint(m, ckpt.c_str()), 0) << lib.error_message(m);
  EXPECT_FALSE(std::filesystem::exists(ckpt + ".tmp." + std::to_string(getpid())));
  const std::vector<unsigned char> saved = weights_of(lib, m);
  float next_loss = 0, again = 0;
  ASSERT_EQ(lib.train_step(m, in, labels, &next_loss), 0);
  for (int s = 0; s < 3; s++) ASSERT_EQ(lib.train_step(m, in, labels, &loss), 0);
  ASSERT_NE(weights_of(lib, m), saved);
  ASSERT_EQ(lib.load_checkpoint(m, ckpt.c_str()), 0) << lib.error_message(m);
  EXPECT_EQ(weights_of(lib, m), saved) << "parameters, Adam's moments and the step, bit for bit";
  ASSERT_EQ(lib.train_step(m, in, labels, &again), 0);
  EXPECT_EQ(again, next_loss) << "training resumes exactly where the checkpoint was taken";

  // Refused files leave the weights as they were.
  ASSERT_EQ(lib.load_checkpoint(m, ckpt.c_str()), 0);
  std::string bytes;
  {
    std::ifstream f(ckpt, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(f), {});
  }
  auto refused = [&](const std::string &content, const std::string &message) {
    const std::string path = dir / "bad.weights";
    std::ofstream(path, std::ios::binary) << content;
    EXPECT_NE(lib.load_checkpoint(m, path.c_str()), 0) << message;
    EXPECT_NE(std::string(lib.error_message(m)).find(message), std::string::npos)
        << lib.error_message(m);
    EXPECT_EQ(weights_of(lib, m), saved);
  };
  refused(bytes.substr(0, bytes.size() - 3), "truncated");
  refused("KILNWTSX" + bytes.substr(8), "not a kiln weights file");
  refused(bytes + "x", "unexpected bytes");
  const std::string missing = dir / "missing.weights";
  EXPECT_NE(lib.load_checkpoint(m, missing.c_str()), 0);
  EXPECT_NE(std::string(lib.error_message(m)).find("cannot read"), std::string::npos);

  // The model's weights alone (kiln export-weights) load too; the optimizer
  // state keeps its values.
  const std::string exported = dir / "init.weights";
  testing::CommandResult r = testing::run_shell(testing::kiln_binary() + " export-weights " +
                                                (dir / "ck.json") + " -o " + exported);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(lib.load_checkpoint(m, exported.c_str()), 0) << lib.error_message(m);
  EXPECT_NE(weights_of(lib, m), saved);

  // The checkpoint as the weights of an inference compile of the same spec:
  // its outputs equal the training library's with the checkpoint loaded.
  ASSERT_EQ(lib.load_checkpoint(m, ckpt.c_str()), 0);
  const std::string inf_out = compile(
      dir, "ck_inf", mlp_spec("ck_inf", 3, R"(, {"type": "softmax", "name": "probs"})", ckpt), "");
  Library inf(inf_out, "ck_inf", false);
  void *im = nullptr;
  ASSERT_EQ(inf.create(&im), 0);
  std::vector<float> want(kBatch * 3), got(kBatch * 3);
  float *want_out[] = {want.data()}, *got_out[] = {got.data()};
  ASSERT_EQ(lib.run(m, in, want_out), 0);
  ASSERT_EQ(inf.run(im, in, got_out), 0) << inf.error_message(im);
  for (size_t k = 0; k < want.size(); k++) EXPECT_NEAR(got[k], want[k], 1e-6) << k;
  inf.destroy(im);
  lib.destroy(m);
}

}  // namespace
}  // namespace kiln
