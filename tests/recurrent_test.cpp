// rnn, lstm and gru: the reference kernels and the Halide lowerings against
// PyTorch's nn.RNN, nn.LSTM and nn.GRU (golden files,
// tests/data/gen/make_torch_golden.py), the lowerings against the reference
// on a table of shapes (one step and many, batch 1 and more, hidden sizes
// below, at and above the vector width, the last state only, no biases,
// explicit schedule knobs), the shape rule's errors, the cost and initial
// weights, and the JSON spec (examples/lstm_classifier.json).
//
// Tolerances, as |got - want| <= tol * (1 + |want|):
//   1e-5 reference vs PyTorch (both in double; float32 output);
//   1e-4 compiled vs PyTorch or the reference (float32 through every step).
//
// KILN_DUMP_STMT_DIR=dir writes each lowering case's loop nest to
// dir/<case>.stmt. Not a unit test: RecurrentBench.DISABLED_* times the compiled kernel
// against the reference (--gtest_also_run_disabled_tests).
#include "codegen/ops/recurrent.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>

#include "frontend/load_model.h"
#include "ir/errors.h"
#include "ir/op.h"
#include "tests/codegen_test_util.h"
#include "tests/example_batch_util.h"
#include "tests/torch_golden_util.h"

namespace kiln {
namespace {

using codegen::LoweredKernel;
using codegen::LowerRequest;
using codegen::schedules::RecurrentSchedule;

const Halide::Target &host() {
  static const Halide::Target t = Halide::get_jit_target_from_environment();
  return t;
}

// --- PyTorch -----------------------------------------------------------------

class TorchGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(TorchGolden, ReferenceAndCompiledMatchPyTorch) {
  testing::expect_matches_torch_golden(GetParam(), host());
}

INSTANTIATE_TEST_SUITE_P(Recurrent, TorchGolden,
                         ::testing::Values("lstm_t1_n1", "lstm_t7_n3_h19", "lstm_last_state",
                                           "lstm_no_bias", "rnn_tanh", "rnn_relu_last",
                                           "gru_t6_n2_h11", "gru_t1_n4"));

// --- the lowering against the reference ----------------------------------------

struct Case {
  std::string name, op;
  ir::Shape x;  // [T, N, I]
  ir::Attrs attrs;
  std::function<LoweredKernel(const LowerRequest &)> lower = nullptr;
};

void PrintTo(const Case &c, std::ostream *os) { *os << c.name; }

Case cell(std::string op, int64_t T, int64_t N, int64_t I, int64_t H, bool sequences = true,
          bool bias = true) {
  Case c{op + "_t" + std::to_string(T) + "_n" + std::to_string(N) + "_i" + std::to_string(I) +
             "_h" + std::to_string(H) + (sequences ? "" : "_last") + (bias ? "" : "_nobias"),
         op,
         {T, N, I},
         {}};
  c.attrs.set("hidden_size", H);
  c.attrs.set("return_sequences", int64_t{sequences});
  c.attrs.set("use_bias", int64_t{bias});
  return c;
}

Case relu(Case c) {
  c.name += "_relu";
  c.attrs.set("nonlinearity", std::string("relu"));
  return c;
}

Case with_schedule(Case c, const RecurrentSchedule &s, const std::string &tag) {
  c.name += "_" + tag;
  c.lower = [s](const LowerRequest &r) { return codegen::ops::lower_recurrent_with(r, s); };
  return c;
}

std::vector<Case> cases() {
  return {
      cell("rnn", 1, 1, 3, 5),
      relu(cell("rnn", 5, 3, 4, 17, false)),
      cell("rnn", 6, 2, 1, 16, true, false),
      cell("lstm", 1, 1, 1, 1),
      cell("lstm", 1, 3, 5, 7, false),
      cell("lstm", 9, 2, 7, 33),
      cell("lstm", 3, 5, 16, 16, false),
      cell("lstm", 4, 1, 3, 6, true, false),
      cell("lstm", 16, 8, 32, 64),  // large enough to run the sequences in parallel
      cell("gru", 1, 2, 3, 4),
      cell("gru", 8, 3, 5, 21),
      cell("gru", 5, 2, 4, 9, false, false),
      with_schedule(cell("lstm", 5, 3, 6, 19), {4, false}, "vw4_serial"),
      with_schedule(cell("gru", 4, 2, 3, 10), {1, false}, "scalar"),
      with_schedule(cell("rnn", 3, 4, 5, 12), {64, true}, "oversized_parallel"),
  };
}

class Lowering : public ::testing::TestWithParam<Case> {};

TEST_P(Lowering, MatchesReference) {
  const Case &c = GetParam();
  try {
    testing::OneNode g = testing::one_node(c.op, {c.x}, c.attrs,
                                           static_cast<uint32_t>(std::hash<std::string>{}(c.name)));
    LowerRequest req = testing::lower_request(g, host());
    LoweredKernel k = c.lower ? c.lower(req) : codegen::lower_node(req);
    ::testing::Test::RecordProperty("schedule", k.schedule);
    if (const char *dir = getenv("KILN_DUMP_STMT_DIR")) {  // for reading the loop nests
      std::vector<Halide::Argument> args(k.params.begin(), k.params.end());
      k.pipeline.compile_to_lowered_stmt(std::string(dir) + "/" + c.name + ".stmt", args,
                                         Halide::StmtOutputFormat::Text, host());
    }
    std::vector<reference::Tensor> got =
        testing::run_lowered(k, g.inputs, {req.outputs[0].shape}, host());
    std::vector<const reference::Tensor *> in;
    for (const auto &t : g.inputs) in.push_back(&t);
    std::vector<reference::Tensor> want = reference::run_node(g.n(), in);
    std::string diff = testing::compare(got[0], want[0], 1e-4);
    EXPECT_TRUE(diff.empty()) << c.name << " (" << k.schedule << "): " << diff;
  } catch (const Halide::Error &e) {
    FAIL() << c.name << ": Halide error: " << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Recurrent, Lowering, ::testing::ValuesIn(cases()),
                         [](const auto &info) { return info.param.name; });

// --- the shape rule, cost, initial weights -----------------------------------------

std::string add_error(const std::string &op, const ir::Shape &x,
                      const std::vector<ir::Shape> &params, const ir::Attrs &attrs) {
  ir::Graph g;
  std::vector<int> in = {g.add_input("x", {ir::DType::F32, x})};
  for (size_t k = 0; k < params.size(); k++)
    in.push_back(g.add_param("p" + std::to_string(k), {ir::DType::F32, params[k]},
                             std::vector<float>(ir::numel(params[k]))));
  try {
    g.add_node(op, "seq", in, attrs);
  } catch (const UserError &e) {
    return e.what();
  }
  return "";
}

TEST(RecurrentShapeRule, ErrorsNameTheShapes) {
  ir::Attrs a = cell("lstm", 1, 1, 1, 32).attrs;
  std::string e = add_error("lstm", {16, 8}, {{128, 8}, {128, 32}, {128}, {128}}, a);
  EXPECT_NE(e.find("the input must be [time, batch, features] (rank 3), got 16x8"),
            std::string::npos)
      << e;
  e = add_error("lstm", {16, 1, 8}, {{128, 9}, {128, 32}, {128}, {128}}, a);
  EXPECT_NE(e.find("weight_ih must have shape 128x8 (4 * hidden_size rows, input features) for "
                   "the input 16x1x8, got 128x9"),
            std::string::npos)
      << e;
  e = add_error("gru", {16, 1, 8}, {{96, 8}, {96, 31}, {96}, {96}}, a);
  EXPECT_NE(e.find("weight_hh must have shape 96x32 (3 * hidden_size rows, hidden_size) for the "
                   "input 16x1x8, got 96x31"),
            std::string::npos)
      << e;
  e = add_error("rnn", {16, 1, 8}, {{32, 8}, {32, 32}, {32}, {31}}, a);
  EXPECT_NE(e.find("bias_hh must have shape 32"), std::string::npos) << e;
  a.set("use_bias", int64_t{0});
  e = add_error("rnn", {16, 1, 8}, {{32, 8}, {32, 32}, {32}, {32}}, a);
  EXPECT_NE(e.find("use_bias is false, so the layer takes 3 inputs, got 5"), std::string::npos)
      << e;
  a.set("hidden_size", int64_t{0});
  e = add_error("rnn", {16, 1, 8}, {{0, 8}, {0, 0}}, a);
  EXPECT_NE(e.find("hidden_size must be positive"), std::string::npos) << e;
}

TEST(RecurrentShapeRule, OutputsCostAndInitialWeights) {
  struct Want {
    std::string op;
    int64_t gates;
  };
  for (const Want &w : {Want{"rnn", 1}, Want{"lstm", 4}, Want{"gru", 3}}) {
    SCOPED_TRACE(w.op);
    const ir::OpDef &def = ir::get_op(w.op);
    ir::Attrs a = ir::normalize_attrs(def, cell(w.op, 1, 1, 1, 32).attrs, "t");
    ir::TensorType x{ir::DType::F32, {16, 2, 8}};
    std::vector<ir::ParamSpec> p = def.params(a, x);
    ASSERT_EQ(p.size(), 4u);
    EXPECT_EQ(p[0].input, "weight_ih");
    EXPECT_EQ(p[0].shape, (ir::Shape{w.gates * 32, 8}));
    EXPECT_EQ(p[0].fan_in, 8);
    EXPECT_EQ(p[0].fan_out, w.gates * 32);
    EXPECT_EQ(p[1].input, "weight_hh");
    EXPECT_EQ(p[1].shape, (ir::Shape{w.gates * 32, 32}));
    EXPECT_EQ(p[1].fan_in, 32);
    EXPECT_EQ(p[2].input, "bias_ih");
    EXPECT_EQ(p[2].init, ir::InitKind::Zeros);
    EXPECT_EQ(p[3].input, "bias_hh");
    std::vector<ir::TensorType> in = {x};
    for (const auto &s : p) in.push_back({ir::DType::F32, s.shape});
    EXPECT_EQ(def.infer(a, in)[0].shape, (ir::Shape{16, 2, 32}));
    ir::Cost cost = def.cost(a, in, def.infer(a, in));
    EXPECT_EQ(cost.macs, 16 * 2 * w.gates * 32 * (8 + 32));
    EXPECT_GT(cost.flops, 2 * cost.macs);
    a.set("return_sequences", int64_t{0});
    EXPECT_EQ(def.infer(a, in)[0].shape, (ir::Shape{2, 32}));
  }
}

// --- the JSON spec ------------------------------------------------------------------

TEST(RecurrentSpec, LstmClassifierExample) {
  ir::Graph g = frontend::load_model(testing::source_path("examples/lstm_classifier.json"));
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.value(g.inputs[0]).type.shape, (ir::Shape{16, 1, 8}));
  int lstm = g.find_node("lstm");
  ASSERT_GE(lstm, 0);
  EXPECT_EQ(g.node(lstm).op, "lstm");
  EXPECT_EQ(g.value(g.node(lstm).outputs[0]).type.shape, (ir::Shape{1, 32}));
  EXPECT_EQ(g.value(g.find_value("lstm.weight_ih")).type.shape, (ir::Shape{128, 8}));
  EXPECT_EQ(g.value(g.find_value("lstm.weight_hh")).type.shape, (ir::Shape{128, 32}));
  EXPECT_EQ(g.value(g.outputs[0]).type.shape, (ir::Shape{1, 4}));
}

// examples/lstm_classifier.json with 8 sequences (tests/end_to_end_test.cpp
// runs it as written, with 1): the batch is the input's second dimension.
TEST(RecurrentExample, LstmClassifierAtBatch8) {
  testing::expect_example_matches_reference("examples/lstm_classifier.json", 1, 8);
}

// --- timing -----------------------------------------------------------------------

double best_seconds(const std::function<void()> &f, int reps) {
  double best = 1e30;
  for (int r = 0; r < reps; r++) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

// An LSTM of 32 steps, batch 4, 64 inputs, 128 hidden units. Run with
//   recurrent_test --gtest_also_run_disabled_tests --gtest_filter='*Bench*'
// KILN_BENCH_RNN="op,T,N,I,H" times another layer.
TEST(RecurrentBench, DISABLED_Lstm) {
  char op[16] = "lstm";
  long T = 32, N = 4, I = 64, H = 128;
  if (const char *env = getenv("KILN_BENCH_RNN"))
    sscanf(env, "%15[a-z],%ld,%ld,%ld,%ld", op, &T, &N, &I, &H);
  Case c = cell(op, T, N, I, H);
  testing::OneNode g = testing::one_node(c.op, {c.x}, c.attrs, 1);
  LowerRequest req = testing::lower_request(g, host());
  LoweredKernel k = codegen::lower_node(req);
  k.pipeline.compile_jit(host());
  std::vector<reference::Tensor> in = g.inputs;
  for (size_t i = 0; i < in.size(); i++)
    k.params[i].set(testing::view_buffer(in[i].data.data(), k.input_views[i]));
  reference::Tensor out(req.outputs[0].shape);
  Halide::Buffer<float> ob = testing::view_buffer(out.data.data(), k.output_views[0]);
  std::vector<ir::TensorType> outs = {{ir::DType::F32, out.shape}};
  double flops = ir::get_op(c.op).cost(g.n().attrs, req.inputs, outs).flops;
  double compiled = best_seconds([&] { k.pipeline.realize(ob, host()); }, 20);
  std::vector<const reference::Tensor *> ptrs;
  for (const auto &t : in) ptrs.push_back(&t);
  double ref = best_seconds([&] { reference::run_node(g.n(), ptrs); }, 2);
  printf(
      "%s %ldx%ldx%ld H=%ld\n  %s\n  compiled %.3f ms (%.1f GFLOP/s), reference %.1f ms "
      "(target %s)\n",
      op, T, N, I, H, k.schedule.c_str(), compiled * 1e3, flops / compiled * 1e-9, ref * 1e3,
      host().to_string().c_str());
}

}  // namespace
}  // namespace kiln
