// Halide's autoschedulers as tuning candidates (docs/tuning.md): a conv and a
// dense kernel lowered unscheduled and scheduled by Mullapudi2016 match the
// reference; `kiln tune` measures the autoscheduler seeds and records them;
// `kiln compile --tuning-db` rebuilds a kernel with the recorded
// autoscheduler and the library still matches the reference; a
// re-measurement keeps each candidate's median and the database chooses its
// best from it.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "codegen/autoschedule.h"
#include "frontend/load_model.h"
#include "tests/library_test_util.h"
#include "tests/test_util.h"
#include "tune/knob_space.h"
#include "tune/measure.h"
#include "tune/tuning_db.h"

using namespace kiln;

namespace {

// One small conv (with its fused relu) and one dense layer.
const char *kModel = R"({
  "name": "conv_dense",
  "inputs": [{"name": "image", "shape": [1, 4, 8, 8]}],
  "weights": {"init": "he", "seed": 5},
  "nodes": [
    {"name": "conv", "type": "conv2d", "inputs": ["image"], "filters": 8, "kernel": 3,
     "padding": "same", "activation": "relu", "algorithm": "direct"},
    {"name": "flat", "type": "flatten", "inputs": ["conv"]},
    {"name": "fc", "type": "dense", "inputs": ["flat"], "units": 10}
  ],
  "outputs": ["fc"]
})";

ir::Graph model_graph(const std::string &path) {
  return kiln::testing::optimized(frontend::load_model(path), 2);
}

tune::KernelDesc kernel_named(const ir::Graph &g, const std::string &op) {
  for (const ir::Node &n : g.nodes)
    if (n.op == op) return tune::describe_kernel(g, n);
  throw std::runtime_error("no " + op + " node");
}

codegen::TunedChoice mullapudi(const std::string &family, const std::string &algorithm) {
  codegen::TunedChoice c;
  c.algorithm = algorithm;
  c.knobs.family = family;
  c.knobs.autoscheduler = "Mullapudi2016";
  return c;
}

bool has_mullapudi_trial(const tune::Record &r) {
  for (const auto &t : r.trials)
    if (t.choice.knobs.autoscheduler == "Mullapudi2016") return true;
  return false;
}

class Autoscheduler : public ::testing::Test {
 protected:
  void SetUp() override {
    if (codegen::autoscheduler_plugin("Mullapudi2016").empty())
      GTEST_SKIP() << "no libautoschedule_mullapudi2016.so next to libHalide.so";
    model_ = dir_ / "conv_dense.json";
    std::ofstream(model_) << kModel;
  }
  kiln::testing::TempDir dir_;
  std::string model_;
};

TEST_F(Autoscheduler, OfferedForConvAndDenseOnCpuAndAnderson2021OnlyOnGpu) {
  ir::Graph g = model_graph(model_);
  Halide::Target host = Halide::get_host_target();
  for (const char *op : {"conv2d", "dense"}) {
    tune::KnobSpace s = tune::knob_space(kernel_named(g, op), host);
    EXPECT_NE(std::find(s.autoschedulers.begin(), s.autoschedulers.end(), "Mullapudi2016"),
              s.autoschedulers.end())
        << op;
    EXPECT_EQ(std::find(s.autoschedulers.begin(), s.autoschedulers.end(), "Anderson2021"),
              s.autoschedulers.end())
        << op;
  }
  std::vector<std::string> gpu =
      codegen::autoschedulers_for(host.with_feature(Halide::Target::CUDA));
  if (!codegen::autoscheduler_plugin("Anderson2021").empty()) {
    EXPECT_EQ(gpu, std::vector<std::string>{"Anderson2021"});
  }
}

TEST_F(Autoscheduler, MullapudiCandidatesCompileAndMatchTheReference) {
  ir::Graph g = model_graph(model_);
  for (const char *op : {"conv2d", "dense"}) {
    tune::MeasureJob job;
    job.kernel = kernel_named(g, op);
    job.target = Halide::get_host_target().to_string();
    job.choice = mullapudi(op, std::string(op) == "conv2d" ? "direct" : "");
    job.min_ms = 2;
    tune::MeasureResult r = tune::measure(job);  // checked against the reference interpreter
    ASSERT_TRUE(r.ok) << op << ": " << r.error;
    EXPECT_GT(r.median_ms, 0) << op;
    EXPECT_NE(r.schedule.find("autoscheduler Mullapudi2016"), std::string::npos) << r.schedule;
  }
}

TEST_F(Autoscheduler, TuneRecordsItAndCompileReusesIt) {
  std::string db = dir_ / "db.json";
  std::string cache = std::string("KILN_CACHE_DIR=") + codegen::default_cache_dir() + " ";
  kiln::testing::CommandResult t =
      kiln::testing::run_shell(cache + kiln::testing::kiln_binary() + " tune " + model_ +
                               " --tuning-db " + db + " --budget 40 --patience 1 -j 2 --quiet");
  ASSERT_EQ(t.exit_code, 0) << t.output;
  tune::TuningDb tuned = tune::load_db(db);
  ASSERT_EQ(tuned.records.size(), 2u);
  const tune::Record *conv = nullptr;
  for (const auto &[key, r] : tuned.records)
    if (r.kernel["op"] == "conv2d") conv = &r;
  ASSERT_NE(conv, nullptr);
  // Every seed is measured before a kernel may stop (here after one search
  // trial without gain): the autoschedulers are seeds, so Mullapudi2016 was
  // measured, checked and recorded.
  ASSERT_TRUE(has_mullapudi_trial(*conv)) << db_json(tuned).dump(1);
  // The run ended with a re-measurement of each kernel's best candidates.
  for (const auto &[key, r] : tuned.records) {
    ASSERT_FALSE(r.remeasures.empty()) << r.kernel.dump();
    for (const auto &e : r.latest_remeasure()->entries) EXPECT_EQ(e.samples.size(), 5u);
  }

  // A database whose conv record is only the Mullapudi2016 trial: compile
  // must rebuild the conv with it.
  tune::Record only = *conv;
  only.remeasures.clear();
  only.trials.erase(std::remove_if(only.trials.begin(), only.trials.end(),
                                   [](const tune::Trial &t) {
                                     return t.choice.knobs.autoscheduler != "Mullapudi2016";
                                   }),
                    only.trials.end());
  tune::TuningDb picked;
  picked.merge(only);
  std::string db2 = dir_ / "mullapudi.json";
  tune::update_db(db2, [&](tune::TuningDb &d) { d.merge(picked); });
  std::string report = dir_ / "report.json";
  kiln::testing::CommandResult c = kiln::testing::run_shell(
      cache + kiln::testing::kiln_binary() + " compile " + model_ + " -o " + (dir_ / "lib") +
      " --tuning-db " + db2 + " --report " + report);
  ASSERT_EQ(c.exit_code, 0) << c.output;
  nlohmann::json j = nlohmann::json::parse(std::ifstream(report));
  bool seen = false;
  for (const auto &k : j["kernels"])
    if (k["op"] == "conv2d") {
      seen = true;
      EXPECT_TRUE(k["tuned"].get<bool>());
      EXPECT_EQ(k["schedule"].get<std::string>(), only.trials[0].schedule);
    }
  EXPECT_TRUE(seen);

  // The same lookup in process: the library built with it matches the reference.
  ir::Graph g = model_graph(model_);
  kiln::testing::TempDir out;
  codegen::CompileOptions options;
  options.out_dir = out / "lib";
  options.cache_dir = codegen::default_cache_dir();
  options.tuned = tune::tuned_lookup(tune::load_db(db2));
  codegen::CompileReport built = codegen::compile_library(g, options);
  int tuned_kernels = 0;
  for (const auto &k : built.kernels) tuned_kernels += k.tuned;
  EXPECT_EQ(tuned_kernels, 1);
  codegen::LoadedLibrary lib(built.shared_library, built.name);
  codegen::LoadedLibrary::Instance instance(lib);
  std::vector<reference::Tensor> inputs = kiln::testing::random_graph_inputs(g, 3);
  std::vector<reference::Tensor> got;
  for (int id : g.outputs) got.emplace_back(g.value(id).type.shape);
  std::vector<const float *> in;
  std::vector<float *> outp;
  for (const auto &t : inputs) in.push_back(t.data.data());
  for (auto &t : got) outp.push_back(t.data.data());
  instance.run(in, outp);
  kiln::testing::expect_close_to_scale(got, reference::run_graph(g, inputs), 1e-4,
                                       "Mullapudi2016 conv");
}

TEST(Remeasure, AWorkerTimesCandidatesInterleavedAndKeepsTheirMedians) {
  ir::Graph g = model_graph([] {
    static kiln::testing::TempDir d;
    std::string p = d / "m.json";
    std::ofstream(p) << kModel;
    return p;
  }());
  tune::MeasureJob job;
  job.kernel = kernel_named(g, "conv2d");
  job.target = Halide::get_host_target().to_string();
  codegen::TunedChoice knobs;
  knobs.algorithm = "direct";
  knobs.knobs = {"conv2d", {{"vector_width", 8}, {"co_block", 4}, {"y_block", 2}}, ""};
  job.batch = {{true, {}}, {false, knobs}};
  job.rounds = 5;
  job.min_ms = 2;
  tune::MeasureResult r = tune::measure(job);
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.batch_ms.size(), 2u);
  for (size_t i = 0; i < 2; i++) {
    std::vector<double> s = r.batch_samples[i];
    ASSERT_EQ(s.size(), 5u);
    std::sort(s.begin(), s.end());
    EXPECT_DOUBLE_EQ(r.batch_ms[i], s[2]);
  }
}

TEST(Remeasure, TheDatabaseChoosesItsBestFromTheLatestMedians) {
  auto trial = [](int id, bool is_default, int co_block, double ms) {
    tune::Trial t;
    t.run = "r1";
    t.id = id;
    t.is_default = is_default;
    if (!is_default) t.choice = {"direct", {"conv2d", {{"co_block", co_block}}, ""}};
    t.median_ms = ms;
    t.schedule = "s" + std::to_string(id);
    return t;
  };
  tune::Record r{"k", "host", {{"op", "conv2d"}}, {}, {}};
  r.trials = {trial(1, true, 0, 1.0), trial(2, false, 4, 0.5), trial(3, false, 8, 0.7)};
  EXPECT_EQ(r.best()->id, 2);  // the lucky single measurement, before re-measuring
  tune::Remeasure m;
  m.run = "r1";
  m.id = 1;
  m.time = "2026-11-28T12:00:00Z";
  m.rounds = 5;
  m.entries = {{true, {}, 1.1, {1.0, 1.1, 1.2, 1.1, 1.3}},
               {false, r.trials[1].choice, 0.9, {0.5, 0.9, 0.95, 0.9, 1.0}},
               {false, r.trials[2].choice, 0.75, {0.7, 0.75, 0.8, 0.74, 0.76}}};
  r.remeasures = {m};
  EXPECT_EQ(r.best()->id, 3);
  EXPECT_DOUBLE_EQ(*r.best_ms(), 0.75);
  EXPECT_DOUBLE_EQ(*r.default_ms(), 1.1);
  tune::TuningDb db;
  db.merge(r);
  nlohmann::json j = tune::db_json(db);
  EXPECT_DOUBLE_EQ(j["records"][0]["best"]["median_ms"].get<double>(), 0.75);
  tune::TuningDb back = tune::db_from_json(j, "test");
  const tune::Record *b = back.find("k");
  ASSERT_NE(b, nullptr);
  ASSERT_EQ(b->remeasures.size(), 1u);
  EXPECT_EQ(b->best()->id, 3);
  EXPECT_EQ(b->remeasures[0].entries[1].samples.size(), 5u);
  // merge adds a re-measurement once.
  back.merge(r);
  EXPECT_EQ(back.find("k")->remeasures.size(), 1u);
}

}  // namespace
