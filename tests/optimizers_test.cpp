// Each optimizer, trained for several steps on a small problem (a dense
// layer under mean squared error) through the training graph that
// passes/autodiff builds, run on the reference interpreter in float64,
// against the same steps written out by hand here (the update rules of
// torch.optim, docs/training.md) to 1e-12. The learning-rate schedules
// likewise; then the compiled update kernels against the reference (float32,
// tolerance 1e-5 * (1 + |want|)).
#include <gtest/gtest.h>

#include <cmath>

#include "ir/errors.h"
#include "passes/autodiff.h"
#include "tests/grad_test_util.h"

namespace kiln {
namespace {

using testing::Tensor64;
using Vec = std::vector<double>;

constexpr int64_t kBatch = 4, kIn = 3, kOut = 2;

ir::Graph dense_model() {
  ir::Graph g;
  g.name = "regression";
  int x = g.add_input("x", {ir::DType::F32, {kBatch, kIn}});
  int w = g.add_param("fc.weight", {ir::DType::F32, {kOut, kIn}},
                      {0.5f, -0.25f, 0.125f, -0.5f, 0.75f, 0.25f});
  int b = g.add_param("fc.bias", {ir::DType::F32, {kOut}}, {0.125f, -0.25f});
  ir::Attrs a;
  a.set("units", kOut);
  g.mark_output(g.node(g.add_node("dense", "fc", {x, w, b}, a)).outputs[0]);
  return g;
}

const Vec kX = {0.3, -0.7, 0.2, 0.9, 0.1, -0.4, -0.5, 0.6, 0.8, 0.05, -0.3, 0.7};
const Vec kT = {0.2, -0.1, 0.5, 0.3, -0.6, 0.4, 0.0, 0.9};

// The hand-written side: mse gradients of y = x W^T + b.
struct Params {
  Vec w = {0.5, -0.25, 0.125, -0.5, 0.75, 0.25}, b = {0.125, -0.25};
};

void mse_gradients(const Params &p, Vec *gw, Vec *gb) {
  gw->assign(kOut * kIn, 0.0);
  gb->assign(kOut, 0.0);
  for (int64_t n = 0; n < kBatch; n++)
    for (int64_t u = 0; u < kOut; u++) {
      double y = p.b[u];
      for (int64_t k = 0; k < kIn; k++) y += kX[n * kIn + k] * p.w[u * kIn + k];
      const double dy = 2 * (y - kT[n * kOut + u]) / (kBatch * kOut);
      (*gb)[u] += dy;
      for (int64_t k = 0; k < kIn; k++) (*gw)[u * kIn + k] += dy * kX[n * kIn + k];
    }
}

// One optimizer step on one tensor: p, its state slots, its gradient.
using Rule = std::function<void(Vec &p, std::vector<Vec> &state, const Vec &g, int t)>;

struct OptimizerCase {
  std::string name;
  std::string optimizer;
  ir::Attrs attrs;
  Rule rule;
  int state_slots;
};

void PrintTo(const OptimizerCase &c, std::ostream *os) { *os << c.name; }

ir::Attrs attrs(std::initializer_list<std::pair<const char *, ir::AttrValue>> kv) {
  ir::Attrs a;
  for (const auto &[k, v] : kv) a.set(k, v);
  return a;
}

constexpr double kLr = 0.1;

// Runs `steps` steps of the training graph in float64; returns the
// parameters after each step by name.
std::vector<std::map<std::string, Vec>> run_reference(const passes::TrainingGraph &t, int steps) {
  std::map<int, Tensor64> state;
  for (int id : t.graph.param_ids())
    state[id] = Tensor64(t.graph.value(id).type.shape,
                         Vec(t.graph.value(id).data->begin(), t.graph.value(id).data->end()));
  state[t.graph.find_value("x")] = Tensor64({kBatch, kIn}, kX);
  state[t.labels] = Tensor64({kBatch, kOut}, kT);
  std::vector<std::map<std::string, Vec>> history;
  for (int s = 0; s < steps; s++) {
    std::vector<Tensor64> values = reference::evaluate(t.graph, state);
    for (const auto &[param, value] : reference::updated_params(t.graph, values))
      state[param] = value;
    history.push_back({{"fc.weight", state[t.graph.find_value("fc.weight")].data},
                       {"fc.bias", state[t.graph.find_value("fc.bias")].data}});
  }
  return history;
}

class Optimizer : public ::testing::TestWithParam<OptimizerCase> {};

TEST_P(Optimizer, MatchesHandWrittenStepsInFloat64) {
  const OptimizerCase &c = GetParam();
  passes::TrainingOptions o;
  o.loss = "mse_loss";
  o.optimizer = c.optimizer;
  o.optimizer_attrs = c.attrs;
  o.lr_attrs = attrs({{"lr", kLr}});
  const passes::TrainingGraph t = passes::build_training_graph(dense_model(), o);
  ir::verify_or_throw(t.graph, "training graph");
  const int steps = 5;
  const auto got = run_reference(t, steps);

  Params p;
  std::vector<Vec> sw(c.state_slots, Vec(kOut * kIn, 0.0)), sb(c.state_slots, Vec(kOut, 0.0));
  for (int s = 0; s < steps; s++) {
    Vec gw, gb;
    mse_gradients(p, &gw, &gb);
    c.rule(p.w, sw, gw, s + 1);
    c.rule(p.b, sb, gb, s + 1);
    for (size_t k = 0; k < p.w.size(); k++)
      EXPECT_NEAR(got[s].at("fc.weight")[k], p.w[k], 1e-12)
          << "step " << s + 1 << " weight[" << k << "]";
    for (size_t k = 0; k < p.b.size(); k++)
      EXPECT_NEAR(got[s].at("fc.bias")[k], p.b[k], 1e-12)
          << "step " << s + 1 << " bias[" << k << "]";
  }
}

Rule sgd(double wd) {
  return [wd](Vec &p, std::vector<Vec> &, const Vec &g, int) {
    for (size_t k = 0; k < p.size(); k++) p[k] -= kLr * (g[k] + wd * p[k]);
  };
}

Rule momentum(double mu, bool nesterov) {
  return [mu, nesterov](Vec &p, std::vector<Vec> &s, const Vec &g, int) {
    for (size_t k = 0; k < p.size(); k++) {
      s[0][k] = mu * s[0][k] + g[k];
      p[k] -= kLr * (nesterov ? g[k] + mu * s[0][k] : s[0][k]);
    }
  };
}

Rule adagrad(double eps) {
  return [eps](Vec &p, std::vector<Vec> &s, const Vec &g, int) {
    for (size_t k = 0; k < p.size(); k++) {
      s[0][k] += g[k] * g[k];
      p[k] -= kLr * g[k] / (std::sqrt(s[0][k]) + eps);
    }
  };
}

Rule rmsprop(double rho, double eps) {
  return [rho, eps](Vec &p, std::vector<Vec> &s, const Vec &g, int) {
    for (size_t k = 0; k < p.size(); k++) {
      s[0][k] = rho * s[0][k] + (1 - rho) * g[k] * g[k];
      p[k] -= kLr * g[k] / (std::sqrt(s[0][k]) + eps);
    }
  };
}

Rule adam(double b1, double b2, double eps, double wd) {
  return [=](Vec &p, std::vector<Vec> &s, const Vec &grad, int t) {
    for (size_t k = 0; k < p.size(); k++) {
      const double g = grad[k] + wd * p[k];
      s[0][k] = b1 * s[0][k] + (1 - b1) * g;
      s[1][k] = b2 * s[1][k] + (1 - b2) * g * g;
      const double mhat = s[0][k] / (1 - std::pow(b1, t)), vhat = s[1][k] / (1 - std::pow(b2, t));
      p[k] -= kLr * mhat / (std::sqrt(vhat) + eps);
    }
  };
}

INSTANTIATE_TEST_SUITE_P(
    Cases, Optimizer,
    ::testing::Values(
        OptimizerCase{"sgd", "sgd", {}, sgd(0), 0},
        OptimizerCase{"sgd_weight_decay", "sgd", attrs({{"weight_decay", 0.05}}), sgd(0.05), 0},
        OptimizerCase{"momentum", "momentum", attrs({{"momentum", 0.8}}), momentum(0.8, false), 1},
        OptimizerCase{"nesterov", "nesterov", attrs({{"momentum", 0.9}}), momentum(0.9, true), 1},
        OptimizerCase{"adagrad", "adagrad", {}, adagrad(1e-10), 1},
        OptimizerCase{"rmsprop", "rmsprop", attrs({{"rho", 0.9}}), rmsprop(0.9, 1e-8), 1},
        OptimizerCase{"adam", "adam", {}, adam(0.9, 0.999, 1e-8, 0), 2},
        OptimizerCase{"adam_weight_decay", "adam", attrs({{"beta1", 0.8}, {"weight_decay", 0.01}}),
                      adam(0.8, 0.999, 1e-8, 0.01), 2}),
    [](const auto &info) { return info.param.name; });

// The training graph's shape: one update per parameter and state slot, and
// the step counter counts.
TEST(TrainingGraph, UpdatesEveryParameterStateAndTheStep) {
  passes::TrainingOptions o;
  o.loss = "mse_loss";
  o.optimizer = "adam";
  const passes::TrainingGraph t = passes::build_training_graph(dense_model(), o);
  // weight, bias, their m and v, and the step counter.
  EXPECT_EQ(t.graph.updates.size(), 2u * 3 + 1);
  EXPECT_GE(t.graph.find_value("fc.weight.m"), 0);
  EXPECT_GE(t.graph.find_value("fc.bias.v"), 0);
  std::map<int, Tensor64> given = {{t.graph.find_value("x"), Tensor64({kBatch, kIn}, kX)},
                                   {t.labels, Tensor64({kBatch, kOut}, kT)}};
  for (int s = 0; s < 3; s++) {
    auto values = reference::evaluate(t.graph, given);
    for (const auto &[param, value] : reference::updated_params(t.graph, values))
      given[param] = value;
  }
  EXPECT_EQ(given.at(t.step).data[0], 3.0);
}

TEST(TrainingGraph, UnknownOptimizerAndLossAreUserErrors) {
  passes::TrainingOptions o;
  o.optimizer = "lbfgs";
  EXPECT_THROW(passes::build_training_graph(dense_model(), o), UserError);
  o.optimizer = "sgd";
  o.loss = "hinge";
  EXPECT_THROW(passes::build_training_graph(dense_model(), o), UserError);
}

// ------------------------------------------------------ learning-rate schedules

double lr_at(const ir::Attrs &a, double step) {
  ir::Graph g;
  int s = g.add_input("step", {ir::DType::F32, {1}});
  g.mark_output(g.node(g.add_node("learning_rate", "lr", {s}, a)).outputs[0]);
  return reference::evaluate(g, std::map<int, Tensor64>{{s, Tensor64({1}, {step})}})[g.outputs[0]]
      .data[0];
}

TEST(LearningRate, ConstantStepAndCosine) {
  EXPECT_DOUBLE_EQ(lr_at(attrs({{"lr", 0.5}}), 17), 0.5);
  const ir::Attrs step = attrs(
      {{"lr", 0.5}, {"schedule", std::string("step")}, {"step_size", int64_t{10}}, {"gamma", 0.5}});
  EXPECT_DOUBLE_EQ(lr_at(step, 9), 0.5);
  EXPECT_DOUBLE_EQ(lr_at(step, 10), 0.25);
  EXPECT_DOUBLE_EQ(lr_at(step, 25), 0.125);
  const ir::Attrs cosine = attrs({{"lr", 1.0},
                                  {"schedule", std::string("cosine")},
                                  {"total_steps", int64_t{100}},
                                  {"min_lr", 0.1}});
  EXPECT_NEAR(lr_at(cosine, 0), 1.0, 1e-15);
  EXPECT_NEAR(lr_at(cosine, 50), 0.55, 1e-15);
  EXPECT_NEAR(lr_at(cosine, 25), 0.1 + 0.9 * 0.5 * (1 + std::cos(M_PI / 4)), 1e-15);
  EXPECT_NEAR(lr_at(cosine, 100), 0.1, 1e-15);
  EXPECT_NEAR(lr_at(cosine, 300), 0.1, 1e-15);
}

// ------------------------------------------- compiled update kernels (float32)

TEST(CompiledOptimizers, EveryUpdateKernelMatchesTheReference) {
  for (const char *opt : {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"}) {
    SCOPED_TRACE(opt);
    passes::TrainingOptions o;
    o.loss = "mse_loss";
    o.optimizer = opt;
    o.optimizer_attrs = attrs({{"weight_decay", 0.01}});
    o.lr_attrs =
        attrs({{"lr", 0.05}, {"schedule", std::string("cosine")}, {"total_steps", int64_t{10}}});
    passes::TrainingGraph t = passes::build_training_graph(dense_model(), o);
    // Random state, a later step: every term of the update matters.
    std::mt19937 rng(5);
    testing::GradProblem p;
    p.g = t.graph;
    for (int id : p.g.param_ids())
      p.given[id] = testing::random64(p.g.value(id).type.shape, rng, 0.1, 1.0);
    p.given[t.step] = Tensor64({1}, {3});
    p.given[p.g.find_value("x")] = Tensor64({kBatch, kIn}, kX);
    p.given[t.labels] = Tensor64({kBatch, kOut}, kT);
    size_t first_update = 0;
    while (p.g.nodes[first_update].op != "learning_rate") first_update++;
    EXPECT_GE(testing::expect_compiled_matches_reference(p, 1e-5, first_update), 3);
  }
}

}  // namespace
}  // namespace kiln
