// The tuner searches every conv algorithm's schedule: an im2col conv's GEMM
// knobs and a Winograd conv's knobs are in its space, candidates with
// non-default knobs lower, run and match the reference interpreter, their
// records round-trip and compile to the same schedule, a conv whose Winograd
// filter is transformed at compile time is tuned as compiled, and a short
// `kiln tune` of a 2-conv model records both convs.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "codegen/compile_library.h"
#include "codegen/kernel_compiler.h"
#include "ir/ops/winograd.h"
#include "passes/pretransform_winograd.h"
#include "passes/select_algorithm.h"
#include "tests/test_util.h"
#include "tune/knob_space.h"
#include "tune/measure.h"
#include "tune/tuning_db.h"

using namespace kiln;
using namespace kiln::tune;

namespace {

const char *kTarget = "x86-64-linux-avx2";

// One conv2d over a 2x8x10x10 input, `filters` outputs, its weights parameters.
ir::Graph conv_graph(int64_t kernel, int64_t filters = 12, const std::string &algorithm = "auto") {
  ir::Graph g;
  int x = g.add_input("x", {ir::DType::F32, {2, 8, 10, 10}});
  std::vector<float> w(filters * 8 * kernel * kernel);
  for (size_t i = 0; i < w.size(); i++) w[i] = 0.05f * static_cast<float>((i * 7) % 11) - 0.25f;
  int wi = g.add_param("w", {ir::DType::F32, {filters, 8, kernel, kernel}}, w);
  int b = g.add_param("b", {ir::DType::F32, {filters}}, std::vector<float>(filters, 0.1f));
  ir::Attrs a;
  a.set("filters", filters);
  a.set("kernel", std::vector<int64_t>{kernel, kernel});
  a.set("padding", std::string("same"));
  a.set("activation", std::string("relu"));
  a.set("algorithm", algorithm);
  int n = g.add_node("conv2d", "conv", {x, wi, b}, a);
  g.mark_output(g.node(n).outputs[0]);
  return g;
}

bool has_knob(const KnobSpace &s, const std::string &full_name) {
  return std::any_of(s.knobs.begin(), s.knobs.end(),
                     [&](const Knob &k) { return k.full_name() == full_name; });
}

// A job checked against the reference interpreter (no saved output).
MeasureResult measure_choice(const KernelDesc &d, const codegen::TunedChoice &c) {
  MeasureJob job;
  job.kernel = d;
  job.target = kTarget;
  job.choice = c;
  job.min_ms = 1;
  return measure(job);
}

// `choice` (the default knobs spelled out) lowers to the default schedule,
// and both pass the reference check.
void expect_same_schedule_as_default(const KernelDesc &d, const codegen::TunedChoice &choice) {
  MeasureJob def;
  def.kernel = d;
  def.target = kTarget;
  def.is_default = true;
  def.min_ms = 1;
  MeasureResult dr = measure(def), cr = measure_choice(d, choice);
  ASSERT_TRUE(dr.ok) << dr.error;
  ASSERT_TRUE(cr.ok) << cr.error;
  EXPECT_EQ(cr.schedule, dr.schedule);
}

codegen::TunedChoice gemm_choice() {
  return {"im2col",
          {"gemm",
           {{"vector_width", 8},
            {"j_vectors", 2},
            {"i_block", 4},
            {"pack_a", 1},
            {"lanes_along_i", 0},
            {"i_vectors", 2},
            {"j_block", 6},
            {"k_chunk", 128},
            {"parallel", 1}},
           ""}};
}

codegen::TunedChoice winograd_choice(const std::string &algorithm) {
  return {algorithm,
          {"winograd",
           {{"vector_width", 4},
            {"tile_vectors", 3},
            {"k_block", 4},
            {"tile_rows", 2},
            {"k_groups", 2},
            {"shared_v", 1},
            {"parallel", 1}},
           ""}};
}

Record record_with(const KernelDesc &d, const codegen::TunedChoice &c,
                   const std::string &schedule) {
  Trial t;
  t.run = "test";
  t.id = 1;
  t.choice = c;
  t.schedule = schedule;
  t.median_ms = 0.01;
  t.time = "2026-11-28T00:00:00Z";
  Trial def = t;
  def.id = 2;
  def.is_default = true;
  def.choice = {};
  def.median_ms = 0.02;
  Record r{record_key(d, Halide::Target(kTarget).to_string()),
           Halide::Target(kTarget).to_string(),
           kernel_json(d),
           {t, def},
           {}};
  r.kernel["name"] = d.name;
  return r;
}

// compile_library with the record's lookup; the one kernel's report.
codegen::KernelReport compile_with(const ir::Graph &g, const TuningDb &db,
                                   const kiln::testing::TempDir &dir) {
  codegen::CompileOptions o;
  o.out_dir = dir / "lib";
  o.name = "one_conv";
  o.target = kTarget;
  o.tuned = tuned_lookup(db);
  codegen::CompileReport r = codegen::compile_library(g, o);
  EXPECT_EQ(r.kernels.size(), 1u);
  return r.kernels.at(0);
}

TEST(TuneAlgorithms, Im2colConvSpaceHasGemmKnobs) {
  ir::Graph g = conv_graph(1, 12, "im2col");
  KernelDesc d = describe_kernel(g, g.node(0));
  Halide::Target t(kTarget);
  KnobSpace s = knob_space(d, t);
  ASSERT_TRUE(s.tunable());
  ASSERT_NE(std::find(s.algorithms.begin(), s.algorithms.end(), "im2col"), s.algorithms.end());
  for (const char *k : {"im2col.vector_width", "im2col.j_vectors", "im2col.i_block",
                        "im2col.pack_a", "im2col.lanes_along_i", "im2col.i_vectors",
                        "im2col.j_block", "im2col.k_chunk", "direct.co_block"})
    EXPECT_TRUE(has_knob(s, k)) << k;
  // The im2col config with default knobs is the lowering's default schedule;
  // a change of a knob of another algorithm is the same candidate.
  Config c = default_config(s, d, t);
  c.algorithm = static_cast<int>(std::find(s.algorithms.begin(), s.algorithms.end(), "im2col") -
                                 s.algorithms.begin());
  codegen::TunedChoice choice = choice_of(s, c);
  EXPECT_EQ(choice.algorithm, "im2col");
  EXPECT_EQ(choice.knobs.family, "gemm");
  Config other = c;
  for (size_t i = 0; i < s.knobs.size(); i++)
    if (s.knobs[i].owner == "direct")
      other.index[i] = (other.index[i] + 1) % s.knobs[i].values.size();
  EXPECT_EQ(canonical(s, d, c), canonical(s, d, other));
  auto back = config_of(s, choice);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(canonical(s, d, *back), canonical(s, d, c));
  expect_same_schedule_as_default(d, choice);
}

// A depthwise 3x3 conv (groups = channels) over a 2x8x10x10 input.
ir::Graph depthwise_graph() {
  ir::Graph g;
  int x = g.add_input("x", {ir::DType::F32, {2, 8, 10, 10}});
  std::vector<float> w(8 * 9);
  for (size_t i = 0; i < w.size(); i++) w[i] = 0.05f * static_cast<float>((i * 7) % 11) - 0.25f;
  int wi = g.add_param("w", {ir::DType::F32, {8, 1, 3, 3}}, w);
  int b = g.add_param("b", {ir::DType::F32, {8}}, std::vector<float>(8, 0.1f));
  ir::Attrs a;
  a.set("filters", int64_t{8});
  a.set("groups", int64_t{8});
  a.set("kernel", std::vector<int64_t>{3, 3});
  a.set("padding", std::string("same"));
  a.set("activation", std::string("relu"));
  a.set("algorithm", std::string("depthwise"));
  int n = g.add_node("conv2d", "conv", {x, wi, b}, a);
  g.mark_output(g.node(n).outputs[0]);
  return g;
}

TEST(TuneAlgorithms, DepthwiseConvSpaceHasDepthwiseKnobsThatMatchTheReference) {
  ir::Graph g = depthwise_graph();
  KernelDesc d = describe_kernel(g, g.node(0));
  Halide::Target t(kTarget);
  KnobSpace s = knob_space(d, t);
  ASSERT_TRUE(s.tunable());
  auto at = std::find(s.algorithms.begin(), s.algorithms.end(), "depthwise");
  ASSERT_NE(at, s.algorithms.end());
  for (const char *k : {"depthwise.vector_width", "depthwise.task_channels", "depthwise.strip_rows",
                        "depthwise.split_rows"})
    EXPECT_TRUE(has_knob(s, k)) << k;
  // Default knobs are the lowering's default schedule.
  Config c = default_config(s, d, t);
  c.algorithm = static_cast<int>(at - s.algorithms.begin());
  codegen::TunedChoice choice = choice_of(s, c);
  EXPECT_EQ(choice.knobs.family, "depthwise");
  expect_same_schedule_as_default(d, choice);
  // Knobs far from the defaults still compute the conv (measure checks it
  // against the reference).
  codegen::TunedChoice odd = {"depthwise",
                              {"depthwise",
                               {{"vector_width", 4},
                                {"x_vectors", 2},
                                {"y_block", 2},
                                {"strip_rows", 4},
                                {"task_channels", 2},
                                {"split_rows", 1},
                                {"column_phases", 0},
                                {"unroll_taps", 0},
                                {"parallel", 1}},
                               ""}};
  MeasureResult r = measure_choice(d, odd);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_NE(r.schedule.find("block 4x2 (x) * 2 (y), kx unrolled, strips of 4 rows"),
            std::string::npos)
      << r.schedule;
}

TEST(TuneAlgorithms, NonDefaultGemmAndWinogradKnobsMatchTheReference) {
  ir::Graph pw = conv_graph(1, 12, "im2col");
  KernelDesc d = describe_kernel(pw, pw.node(0));
  MeasureResult r = measure_choice(d, gemm_choice());
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_NE(r.schedule.find("gemm: block 8x2 (j) * 4 (i)"), std::string::npos) << r.schedule;
  codegen::TunedChoice flipped = gemm_choice();
  flipped.knobs.values["lanes_along_i"] = 1;
  flipped.knobs.values["k_chunk"] = 32;
  r = measure_choice(d, flipped);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_NE(r.schedule.find("(i, lanes)"), std::string::npos) << r.schedule;

  ir::Graph g3 = conv_graph(3, 12, "im2col");  // a patch panel, padding applied
  KernelDesc d3 = describe_kernel(g3, g3.node(0));
  r = measure_choice(d3, gemm_choice());
  ASSERT_TRUE(r.ok) << r.error;
  for (const char *algorithm : {"winograd_f2", "winograd_f4"}) {
    for (bool pretransform : {false, true}) {
      KernelDesc w = d3;
      w.pretransform_winograd = pretransform;
      r = measure_choice(w, winograd_choice(algorithm));
      ASSERT_TRUE(r.ok) << algorithm << ": " << r.error;
      EXPECT_NE(r.schedule.find("GEMM blocks of 4x3 tiles x 4 channels"), std::string::npos)
          << r.schedule;
      EXPECT_EQ(r.schedule.find("at compile time") != std::string::npos, pretransform)
          << r.schedule;
    }
  }
}

TEST(TuneAlgorithms, GemmRecordRoundTripsAndCompilesToItsSchedule) {
  kiln::testing::TempDir dir;
  ir::Graph g = conv_graph(1, 12, "direct");  // the record's algorithm wins
  KernelDesc d = describe_kernel(g, g.node(0));
  MeasureResult m = measure_choice(d, gemm_choice());
  ASSERT_TRUE(m.ok) << m.error;
  std::string path = dir / "db.json";
  update_db(path, [&](TuningDb &db) { db.merge(record_with(d, gemm_choice(), m.schedule)); });
  TuningDb db = load_db(path);
  const Record *r = db.find(record_key(d, Halide::Target(kTarget).to_string()));
  ASSERT_NE(r, nullptr);
  ASSERT_NE(r->best(), nullptr);
  EXPECT_EQ(r->best()->choice.algorithm, "im2col");
  EXPECT_EQ(r->best()->choice.knobs.str(), gemm_choice().knobs.str());
  codegen::KernelReport k = compile_with(g, db, dir);
  EXPECT_TRUE(k.tuned);
  EXPECT_EQ(k.schedule, m.schedule);
}

TEST(TuneAlgorithms, PretransformedWinogradConvIsTunedAndItsRecordApplies) {
  ir::Graph original = conv_graph(3, 12, "winograd_f2");
  ir::Graph g = passes::pretransform_winograd(original);
  ASSERT_TRUE(ir::ops::weights_pretransformed(g.node(0).attrs));
  KernelDesc d = describe_kernel(g, g.node(0)), od = describe_kernel(original, original.node(0));
  // The same kernel as before its filter was transformed.
  EXPECT_EQ(kernel_json(d), kernel_json(od));
  EXPECT_EQ(record_key(d, "t"), record_key(od, "t"));
  EXPECT_TRUE(d.pretransform_winograd);
  KnobSpace s = knob_space(d, Halide::Target(kTarget));
  ASSERT_TRUE(s.tunable()) << s.why_not;
  EXPECT_TRUE(has_knob(s, "winograd_f2.tile_rows"));
  EXPECT_TRUE(has_knob(s, "winograd_f4.k_block"));

  kiln::testing::TempDir dir;
  MeasureResult m = measure_choice(d, winograd_choice("winograd_f2"));
  ASSERT_TRUE(m.ok) << m.error;
  EXPECT_NE(m.schedule.find("at compile time"), std::string::npos) << m.schedule;
  TuningDb db;
  db.merge(record_with(d, winograd_choice("winograd_f2"), m.schedule));
  codegen::KernelReport k = compile_with(g, db, dir);
  EXPECT_TRUE(k.tuned);
  EXPECT_EQ(k.schedule, m.schedule);

  // A record choosing Winograd for a conv the model sent elsewhere: with the
  // database, select-algorithm takes it, so pretransform-winograd transforms it.
  ir::Graph direct = conv_graph(3, 12, "auto");
  passes::ConvAlgoOptions o;
  o.mode = "direct";
  codegen::TunedLookup lookup = tuned_lookup(db);
  o.tuned_algorithm = [&](const ir::Graph &graph, const ir::Node &conv) {
    auto c = lookup(graph, conv, Halide::Target(kTarget));
    return c ? std::optional<std::string>(c->algorithm) : std::nullopt;
  };
  ir::Graph selected = passes::select_algorithm(direct, o);
  EXPECT_EQ(selected.node(0).attrs.get_string("algorithm"), "winograd_f2");
  ir::Graph transformed = passes::pretransform_winograd(selected);
  EXPECT_TRUE(ir::ops::weights_pretransformed(transformed.node(0).attrs));
  kiln::testing::TempDir dir2;
  EXPECT_EQ(compile_with(transformed, db, dir2).schedule, m.schedule);
}

// A version 1 database keyed convs by their algorithm: its records are read
// and re-keyed.
TEST(TuneAlgorithms, ReadsVersionOneDatabases) {
  ir::Graph g = conv_graph(1, 12, "im2col");
  KernelDesc d = describe_kernel(g, g.node(0));
  TuningDb db;
  db.merge(record_with(d, gemm_choice(), "s"));
  nlohmann::json j = db_json(db);
  j["version"] = 1;
  j["records"][0]["key"] = "an-old-key";
  TuningDb back = db_from_json(j, "v1");
  const Record *r = back.find(record_key(d, Halide::Target(kTarget).to_string()));
  ASSERT_NE(r, nullptr);
  for (const Trial &t : r->trials) {
    if (t.is_default) {
      EXPECT_EQ(t.choice.algorithm, "im2col");
    }
  }
}

// `kiln tune` of a 1x1 and a 3x3 conv with a few trials records both, and
// `kiln compile --tuning-db` builds each record's best schedule. Direct is
// each conv's own algorithm, so the seeds measure im2col's and Winograd's
// default knobs (the GEMM and Winograd families) first.
TEST(TuneAlgorithms, TuneRecordsBothConvsOfATinyModel) {
  kiln::testing::TempDir dir;
  std::string model = dir / "two_convs.json";
  std::ofstream(model) << R"({
  "name": "two_convs",
  "inputs": [{"name": "image", "shape": [1, 8, 12, 12]}],
  "weights": {"init": "he", "seed": 3},
  "nodes": [
    {"name": "pw", "type": "conv2d", "inputs": ["image"], "filters": 16, "kernel": 1,
     "activation": "relu"},
    {"name": "c3", "type": "conv2d", "inputs": ["pw"], "filters": 16, "kernel": 3,
     "padding": "same"}
  ],
  "outputs": ["c3"]
})";
  const char *cache = std::getenv("KILN_CACHE_DIR");
  std::string env = cache ? std::string("KILN_CACHE_DIR=") + cache + " " : "";
  std::string db = dir / "db.json", report = dir / "report.json";
  auto tune = kiln::testing::run_shell(env + kiln::testing::kiln_binary() + " tune " + model +
                                       " --tuning-db " + db +
                                       " --budget 14 -j 2 --quiet --conv-algo direct");
  ASSERT_EQ(tune.exit_code, 0) << tune.output;
  TuningDb records = load_db(db);
  std::map<std::string, const Record *> by_name;
  std::set<std::string> families;
  for (const auto &[key, r] : records.records) {
    by_name[r.kernel["name"]] = &r;
    for (const Trial &t : r.trials) families.insert(t.choice.knobs.family);
  }
  ASSERT_TRUE(by_name.count("pw")) << tune.output;
  ASSERT_TRUE(by_name.count("c3")) << tune.output;
  EXPECT_TRUE(families.count("gemm")) << tune.output;
  EXPECT_TRUE(families.count("winograd")) << tune.output;

  auto compile = kiln::testing::run_shell(env + kiln::testing::kiln_binary() + " compile " + model +
                                          " -o " + (dir / "lib") + " --tuning-db " + db +
                                          " --report " + report + " --conv-algo direct");
  ASSERT_EQ(compile.exit_code, 0) << compile.output;
  std::ifstream in(report);
  nlohmann::json j = nlohmann::json::parse(in);
  int tuned = 0;
  for (const auto &k : j["kernels"]) {
    std::string node = k["node"];
    if (!by_name.count(node)) continue;
    tuned++;
    EXPECT_TRUE(k["tuned"].get<bool>()) << node;
    EXPECT_EQ(k["schedule"].get<std::string>(), by_name[node]->best()->schedule) << node;
  }
  EXPECT_EQ(tuned, 2);
}

}  // namespace
