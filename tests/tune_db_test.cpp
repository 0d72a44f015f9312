// The tuning database (tune/tuning_db.h, docs/tuning.md): JSON round trip,
// version checks, concurrent writers merging; kernel descriptions, knob
// spaces, and the cost-model-guided search against random search.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>

#include "ir/errors.h"
#include "tests/test_util.h"
#include "tune/kernel_desc.h"
#include "tune/knob_space.h"
#include "tune/search.h"
#include "tune/tuning_db.h"

namespace fs = std::filesystem;
using namespace kiln;
using namespace kiln::tune;

namespace {

std::string temp_dir() {
  char templ[] = "/tmp/kiln-tune-db-test-XXXXXX";
  return ::mkdtemp(templ);
}

ir::Graph conv_graph(int64_t filters = 8) {
  ir::Graph g;
  int x = g.add_input("x", {ir::DType::F32, {1, 4, 10, 12}});
  int w = g.add_param("w", {ir::DType::F32, {filters, 4, 3, 3}},
                      std::vector<float>(filters * 36, 0.5f));
  int b = g.add_param("b", {ir::DType::F32, {filters}}, std::vector<float>(filters, 0.1f));
  ir::Attrs a;
  a.set("filters", filters);
  a.set("kernel", std::vector<int64_t>{3, 3});
  a.set("padding", std::string("same"));
  int n = g.add_node("conv2d", "conv", {x, w, b}, a);
  g.mark_output(g.node(n).outputs[0]);
  return g;
}

Record sample_record(const std::string &run, int trials) {
  ir::Graph g = conv_graph();
  KernelDesc d = describe_kernel(g, g.node(0));
  Record r{record_key(d, "x86-64-linux-avx2"), "x86-64-linux-avx2", kernel_json(d), {}};
  for (int i = 0; i < trials; i++) {
    Trial t;
    t.run = run;
    t.id = i + 1;
    t.is_default = i == 0;
    if (!t.is_default)
      t.choice = {"direct", {"conv2d", {{"vector_width", 8}, {"co_block", i}}, ""}};
    t.schedule = "schedule " + std::to_string(i);
    t.median_ms = 1.0 / (i + 1);
    t.time = "2026-11-28T10:00:00Z";
    r.trials.push_back(t);
  }
  return r;
}

}  // namespace

TEST(TuningDb, JsonRoundTrips) {
  TuningDb db;
  db.merge(sample_record("run-a", 4));
  nlohmann::json j = db_json(db);
  EXPECT_EQ(j["format"], "kiln-tuning-db");
  EXPECT_EQ(j["version"], kTuningDbVersion);
  ASSERT_EQ(j["records"].size(), 1u);
  EXPECT_DOUBLE_EQ(j["records"][0]["best"]["median_ms"].get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(j["records"][0]["default_ms"].get<double>(), 1.0);
  TuningDb back = db_from_json(nlohmann::json::parse(j.dump()), "test");
  EXPECT_EQ(db_json(back), j);

  std::string dir = temp_dir(), path = dir + "/db.json";
  update_db(path, [&](TuningDb &d) { d.merge(db); });
  EXPECT_EQ(db_json(load_db(path)), j);
  EXPECT_FALSE(fs::exists(path + "." + std::to_string(::getpid()) + ".tmp"));
  fs::remove_all(dir);
}

TEST(TuningDb, RejectsOtherFilesAndVersions) {
  try {
    db_from_json(
        {{"format", "kiln-tuning-db"}, {"version", 99}, {"records", nlohmann::json::array()}},
        "db.json");
    FAIL() << "version 99 accepted";
  } catch (const UserError &e) {
    EXPECT_NE(std::string(e.what()).find("version 99 tuning database; this kiln reads version 2"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(db_from_json({{"records", 1}}, "x.json"), UserError);
  EXPECT_TRUE(load_db("/nonexistent/kiln/db.json").records.empty());
}

TEST(TuningDb, MergeKeepsEveryTrialOnce) {
  TuningDb db;
  db.merge(sample_record("run-a", 3));
  db.merge(sample_record("run-a", 3));  // the same trials again
  db.merge(sample_record("run-b", 2));
  ASSERT_EQ(db.records.size(), 1u);
  EXPECT_EQ(db.records.begin()->second.trials.size(), 5u);
}

TEST(TuningDb, ConcurrentWritersMerge) {
  std::string dir = temp_dir(), path = dir + "/db.json";
  const int writers = 4, each = 15;
  std::vector<pid_t> pids;
  for (int w = 0; w < writers; w++) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      for (int i = 0; i < each; i++) {
        Record r = sample_record("writer" + std::to_string(w), 1);
        r.trials[0].id = i;
        update_db(path, [&](TuningDb &d) { d.merge(r); });
      }
      ::_exit(0);
    }
    pids.push_back(pid);
  }
  for (pid_t p : pids) {
    int status = 0;
    ::waitpid(p, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  TuningDb db = load_db(path);
  ASSERT_EQ(db.records.size(), 1u);
  EXPECT_EQ(db.records.begin()->second.trials.size(), static_cast<size_t>(writers * each));
  fs::remove_all(dir);
}

TEST(KernelDesc, RoundTripsAndKeysByContentAndTarget) {
  ir::Graph g = conv_graph();
  KernelDesc d = describe_kernel(g, g.node(0));
  KernelDesc back = kernel_from_json(nlohmann::json::parse(kernel_json(d).dump()));
  EXPECT_EQ(kernel_json(back), kernel_json(d));
  ir::Graph one = one_node_graph(back);
  EXPECT_EQ(kernel_json(describe_kernel(one, one.node(0))), kernel_json(d));
  EXPECT_EQ(record_key(d, "t1"), record_key(back, "t1"));
  EXPECT_NE(record_key(d, "t1"), record_key(d, "t2"));
  ir::Graph wider = conv_graph(16);
  EXPECT_NE(record_key(describe_kernel(wider, wider.node(0)), "t1"), record_key(d, "t1"));
}

TEST(KnobSpace, ConvChoicesRoundTripAndLegalizeToCandidates) {
  ir::Graph g = conv_graph();
  KernelDesc d = describe_kernel(g, g.node(0));
  Halide::Target t("x86-64-linux-avx2");
  KnobSpace s = knob_space(d, t);
  ASSERT_EQ(s.family, "conv2d");
  ASSERT_FALSE(s.knobs.empty());
  Config c = default_config(s, d, t);
  auto again = config_of(s, choice_of(s, c));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->index, c.index);
  // co_block 12 and 16 both legalize to the 8 output channels there are.
  Config a = c, b = c;
  for (size_t i = 0; i < s.knobs.size(); i++)
    if (s.knobs[i].name == "co_block") {
      a.index[i] = std::find(s.knobs[i].values.begin(), s.knobs[i].values.end(), 12) -
                   s.knobs[i].values.begin();
      b.index[i] = std::find(s.knobs[i].values.begin(), s.knobs[i].values.end(), 16) -
                   s.knobs[i].values.begin();
    }
  EXPECT_EQ(canonical(s, d, a), canonical(s, d, b));
  EXPECT_EQ(features(s, a).size(),
            s.knobs.size() + (s.algorithms.empty() ? 0 : s.algorithms.size() - 1));
}

TEST(KnobSpace, OpsWithoutKnobsAreNotTuned) {
  ir::Graph g;
  int x = g.add_input("x", {ir::DType::F32, {2, 8}});
  g.add_node("relu", "r", {x}, {});
  KnobSpace s = knob_space(describe_kernel(g, g.node(0)), Halide::Target("x86-64-linux-avx2"));
  EXPECT_FALSE(s.tunable());
  EXPECT_NE(s.why_not.find("relu"), std::string::npos);
}

// On a synthetic cost over the conv space (a smooth bowl plus a penalty),
// the model-guided search reaches within 5% of the optimum in fewer trials
// than random sampling, on average over seeds.
TEST(KernelSearch, BeatsRandomSearchOnASyntheticCost) {
  ir::Graph g = conv_graph();
  KernelDesc d = describe_kernel(g, g.node(0));
  Halide::Target t("x86-64-linux-avx2");
  KnobSpace s = knob_space(d, t);
  s.algorithms.clear();
  // The direct template's knobs only (small enough to enumerate).
  s.knobs.erase(std::remove_if(s.knobs.begin(), s.knobs.end(),
                               [](const Knob &k) { return k.owner != "direct"; }),
                s.knobs.end());
  auto cost = [&](const Config &c) {
    double v = 1.0;
    for (size_t i = 0; i < c.index.size(); i++) {
      double target = (s.knobs[i].values.size() - 1) * 0.7;
      v += 0.3 * (c.index[i] - target) * (c.index[i] - target);
    }
    return v;
  };
  double optimum = 1e9;
  {
    // Every point of the space (small enough to enumerate).
    std::vector<int> idx(s.knobs.size(), 0);
    for (;;) {
      optimum = std::min(optimum, cost({0, idx}));
      size_t k = 0;
      while (k < idx.size() && ++idx[k] == static_cast<int>(s.knobs[k].values.size())) idx[k++] = 0;
      if (k == idx.size()) break;
    }
  }
  auto key = [](const Config &c) {
    std::string k;
    for (int i : c.index) k += std::to_string(i) + ",";
    return k;
  };
  const int budget = 60, seeds = 6;
  double guided_total = 0, random_total = 0;
  for (int seed = 1; seed <= seeds; seed++) {
    KernelSearch search(s, key, {}, seed, 1000);
    int found = budget;
    for (int trial = 1; trial <= budget; trial++) {
      auto c = search.propose();
      ASSERT_TRUE(c.has_value());
      double v = cost(*c);
      search.record(*c, v);
      if (v <= optimum * 1.05) {
        found = trial;
        break;
      }
    }
    guided_total += found;
    std::mt19937_64 rng(seed);
    int random_found = budget;
    for (int trial = 1; trial <= budget; trial++) {
      Config c;
      for (const Knob &k : s.knobs)
        c.index.push_back(std::uniform_int_distribution<int>(0, k.values.size() - 1)(rng));
      if (cost(c) <= optimum * 1.05) {
        random_found = trial;
        break;
      }
    }
    random_total += random_found;
  }
  EXPECT_LT(guided_total, random_total)
      << "guided " << guided_total / seeds << " trials, random " << random_total / seeds;
}
