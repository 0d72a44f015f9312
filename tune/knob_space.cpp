#include "tune/knob_space.h"

#include <cmath>

#include "codegen/autoschedule.h"
#include "codegen/schedules/conv_schedule.h"
#include "codegen/schedules/dense_schedule.h"
#include "ir/errors.h"
#include "ir/op.h"
#include "ir/ops/conv_algorithm.h"
#include "ir/ops/window.h"
#include "passes/conv_cost_model.h"

namespace kiln::tune {

namespace {

using codegen::schedules::ConvShape;
using codegen::schedules::DenseShape;
using codegen::schedules::ScheduleKnobs;

// The conv as codegen/ops/conv2d.cpp views it (a pointwise conv as one row
// of H*W pixels), and whether its kernel covers its whole input (then it is
// lowered as a dense layer, whose knobs the conv hook does not take).
struct ConvView {
  ConvShape shape;
  bool whole_input = false;
};

ConvView conv_view(const KernelDesc &k) {
  const ir::Shape &x = k.inputs[0].shape;
  ir::Window2d w = ir::resolve_window(k.attrs, x[2], x[3], false, false);
  ConvView v;
  ConvShape &s = v.shape;
  s = {x[0],
       x[1],
       x[2],
       x[3],
       k.attrs.get_int("filters"),
       w.out_h,
       w.out_w,
       k.attrs.get_int("groups"),
       w.kernel_h,
       w.kernel_w,
       w.stride_h,
       w.stride_w,
       w.dilation_h,
       w.dilation_w};
  int64_t last_y = (w.out_h - 1) * w.stride_h + (w.kernel_h - 1) * w.dilation_h - w.pad_top;
  int64_t last_x = (w.out_w - 1) * w.stride_w + (w.kernel_w - 1) * w.dilation_w - w.pad_left;
  bool boundary = w.pad_top > 0 || w.pad_left > 0 || last_y >= x[2] || last_x >= x[3];
  v.whole_input = s.groups == 1 && s.kernel_h == s.in_h && s.kernel_w == s.in_w && !boundary;
  if (s.kernel_h == 1 && s.kernel_w == 1 && s.stride_h == 1 && s.stride_w == 1 && !boundary) {
    s.in_w *= s.in_h;
    s.in_h = 1;
    s.out_w *= s.out_h;
    s.out_h = 1;
  }
  return v;
}

DenseShape dense_shape(const KernelDesc &k) {
  return {k.inputs[0].shape[0], k.inputs[0].shape[1], k.attrs.get_int("units")};
}

bool op_has_attr(const std::string &op, const std::string &attr) {
  for (const auto &a : ir::get_op(op).attrs)
    if (a.name == attr) return true;
  return false;
}

std::vector<std::string> conv_algorithms_for(const KernelDesc &k) {
  if (!op_has_attr("conv2d", "algorithm")) return {};  // direct only, not a choice
  std::vector<std::string> algos = {"direct"};
  for (const std::string &a : ir::ops::conv_algorithms())
    if (a != "direct" && ir::ops::conv_algorithm_unfit(a, k.attrs, k.inputs[0].shape).empty())
      algos.push_back(a);
  return algos;
}

ScheduleKnobs knobs_at(const KnobSpace &s, const Config &c) {
  ScheduleKnobs k{s.family, {}, ""};
  for (size_t i = 0; i < s.knobs.size(); i++)
    k.values[s.knobs[i].name] = s.knobs[i].values[c.index[i]];
  return k;
}

bool is_direct(const KnobSpace &s, const Config &c) {
  return s.algorithms.empty() || s.algorithms[c.algorithm] == "direct";
}

int direct_index(const KnobSpace &s) {
  auto it = std::find(s.algorithms.begin(), s.algorithms.end(), "direct");
  return it == s.algorithms.end() ? 0 : static_cast<int>(it - s.algorithms.begin());
}

}  // namespace

KnobSpace knob_space(const KernelDesc &k, const Halide::Target &target) {
  KnobSpace s;
  for (const auto &t : k.inputs)
    if (t.layout != ir::Layout::Plain) return s.why_not = "a non-plain layout", s;
  if (k.op == "conv2d") {
    if (conv_view(k).whole_input)
      return s.why_not = "a conv covering its input (lowered as dense)", s;
    // Its weight input is already the transformed filter (pretransform-winograd):
    // no other algorithm or schedule template can read it.
    if (k.attrs.has("weights_pretransformed") && k.attrs.get_int("weights_pretransformed") != 0)
      return s.why_not = "a Winograd conv with its filter transformed at compile time", s;
    s.family = "conv2d";
    s.algorithms = conv_algorithms_for(k);
    s.knobs = {{"vector_width", {4, 8, 16}},
               {"x_vectors", {1, 2, 3, 4}},
               {"y_block", {1, 2, 3, 4, 6, 8}},
               {"co_block", {1, 2, 3, 4, 6, 8, 12, 16}},
               {"unroll_kx", {0, 1}},
               {"flat_rows", {0, 1}},
               {"parallel", {1}}};
    s.autoschedulers = codegen::autoschedulers_for(target);
    return s;
  }
  if (k.op == "dense") {
    s.family = "dense";
    s.knobs = {{"lanes", {4, 8, 16}},
               {"unit_block", {1, 2, 3, 4, 6, 8}},
               {"batch_block", {1, 2, 4}},
               {"parallel", {0, 1}}};
    s.autoschedulers = codegen::autoschedulers_for(target);
    return s;
  }
  s.why_not = "no schedule knobs for " + k.op;
  return s;
}

codegen::TunedChoice choice_of(const KnobSpace &s, const Config &c) {
  if (c.autoscheduler >= 0) {
    ScheduleKnobs k{s.family, {}, s.autoschedulers[c.autoscheduler]};
    return {s.algorithms.empty() ? "" : "direct", k};
  }
  if (!is_direct(s, c)) return {s.algorithms[c.algorithm], {}};
  return {s.algorithms.empty() ? "" : "direct", knobs_at(s, c)};
}

std::optional<Config> config_of(const KnobSpace &s, const codegen::TunedChoice &choice) {
  Config c;
  c.index.assign(s.knobs.size(), 0);
  if (!choice.knobs.autoscheduler.empty()) {
    auto it =
        std::find(s.autoschedulers.begin(), s.autoschedulers.end(), choice.knobs.autoscheduler);
    if (it == s.autoschedulers.end() || choice.knobs.family != s.family) return std::nullopt;
    c.autoscheduler = static_cast<int>(it - s.autoschedulers.begin());
    c.algorithm = direct_index(s);
    return c;
  }
  if (!choice.algorithm.empty()) {
    auto it = std::find(s.algorithms.begin(), s.algorithms.end(), choice.algorithm);
    if (it == s.algorithms.end()) return std::nullopt;
    c.algorithm = static_cast<int>(it - s.algorithms.begin());
    if (choice.algorithm != "direct") return c;
  }
  if (choice.knobs.family != s.family) return std::nullopt;
  for (size_t i = 0; i < s.knobs.size(); i++) {
    auto v = choice.knobs.values.find(s.knobs[i].name);
    if (v == choice.knobs.values.end()) return std::nullopt;
    const auto &vals = s.knobs[i].values;
    auto at = std::find(vals.begin(), vals.end(), v->second);
    if (at == vals.end()) return std::nullopt;
    c.index[i] = static_cast<int>(at - vals.begin());
  }
  return c;
}

Config default_config(const KnobSpace &s, const KernelDesc &k, const Halide::Target &target) {
  ScheduleKnobs want;
  if (s.family == "conv2d")
    want = codegen::schedules::knobs_of(
        codegen::schedules::default_conv_schedule(conv_view(k).shape, target));
  else
    want = codegen::schedules::knobs_of(
        codegen::schedules::default_dense_schedule(dense_shape(k), target));
  // The nearest value of each knob (the heuristic may pick a value off the grid).
  Config c;
  for (const Knob &knob : s.knobs) {
    int64_t v = want.values.count(knob.name) ? want.values.at(knob.name) : knob.values[0];
    int best = 0;
    for (size_t i = 0; i < knob.values.size(); i++)
      if (std::llabs(knob.values[i] - v) < std::llabs(knob.values[best] - v))
        best = static_cast<int>(i);
    c.index.push_back(best);
  }
  return c;
}

std::string canonical(const KnobSpace &s, const KernelDesc &k, const Config &c) {
  if (c.autoscheduler >= 0) return "autoscheduler=" + s.autoschedulers[c.autoscheduler];
  if (!is_direct(s, c)) return s.algorithms[c.algorithm];
  ScheduleKnobs knobs = knobs_at(s, c);
  if (s.family == "conv2d")
    return codegen::schedules::legalize(codegen::schedules::conv_schedule_from(knobs),
                                        conv_view(k).shape)
        .describe();
  return codegen::schedules::legalize(codegen::schedules::dense_schedule_from(knobs),
                                      dense_shape(k))
      .describe();
}

std::vector<Config> seed_configs(const KnobSpace &s, const KernelDesc &k,
                                 const Halide::Target &target) {
  Config knobs = default_config(s, k, target);
  knobs.algorithm = direct_index(s);
  std::vector<std::pair<double, Config>> algos;
  if (k.op == "conv2d") {
    passes::ConvFeatures f = passes::conv_features(k.attrs, k.inputs[0].shape);
    const auto &model = passes::fitted_conv_cost_model();
    // The node's own algorithm with its default schedule is the default job.
    std::string own = k.attrs.has("algorithm") ? k.attrs.get_string("algorithm") : "auto";
    for (size_t a = 0; a < s.algorithms.size(); a++) {
      if (static_cast<int>(a) == knobs.algorithm || s.algorithms[a] == own) continue;
      Config c = knobs;
      c.algorithm = static_cast<int>(a);
      // Unknown to the model: after the ones it predicts.
      algos.push_back({passes::predict_ms(model, s.algorithms[a], f).value_or(1e30), c});
    }
  }
  std::stable_sort(algos.begin(), algos.end(),
                   [](const auto &a, const auto &b) { return a.first < b.first; });
  std::vector<Config> seeds;
  for (const auto &[ms, c] : algos) seeds.push_back(c);
  seeds.push_back(knobs);
  for (size_t i = 0; i < s.autoschedulers.size(); i++) {
    Config c = knobs;
    c.autoscheduler = static_cast<int>(i);
    seeds.push_back(c);
  }
  return seeds;
}

double estimated_ms(const KernelDesc &k) {
  double macs = 0;
  if (k.op == "conv2d") {
    macs = static_cast<double>(passes::conv_features(k.attrs, k.inputs[0].shape).macs());
  } else if (k.op == "dense") {
    DenseShape d = dense_shape(k);
    macs = static_cast<double>(d.batch) * d.in_features * d.units;
  }
  // About 50 GFLOP/s: only the ratios between kernels matter.
  return std::max(1e-4, 2 * macs / 50e9 * 1e3);
}

std::vector<double> features(const KnobSpace &s, const Config &c) {
  std::vector<double> f;
  for (size_t i = 0; i < s.knobs.size(); i++)
    f.push_back(std::log2(1.0 + static_cast<double>(s.knobs[i].values[c.index[i]])));
  for (size_t a = 1; a < s.algorithms.size(); a++)
    f.push_back(c.algorithm == static_cast<int>(a) ? 1 : 0);
  return f;
}

}  // namespace kiln::tune
