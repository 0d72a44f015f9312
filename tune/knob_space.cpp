#include "tune/knob_space.h"

#include <cmath>
#include <functional>

#include "codegen/autoschedule.h"
#include "codegen/ops/conv_algorithms.h"
#include "codegen/schedules/conv_schedule.h"
#include "codegen/schedules/dense_schedule.h"
#include "ir/errors.h"
#include "ir/op.h"
#include "ir/ops/conv_algorithm.h"
#include "ir/ops/window.h"
#include "ir/ops/winograd.h"
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

// Calls f with the lowering request of the kernel run by `algorithm` with
// `knobs`, its weight pretransformed as the library will feed it.
template <typename F>
auto with_request(const KernelDesc &k, const std::string &algorithm, const ScheduleKnobs &knobs,
                  const Halide::Target &target, F f) {
  ir::Node node{k.name, k.op, {}, {}, k.attrs};
  node.attrs.set("algorithm", algorithm);
  if (k.pretransform_winograd && ir::ops::winograd_tile(algorithm) != 0)
    node.attrs.set("weights_pretransformed", int64_t{1});
  codegen::LowerRequest request{node, k.inputs, k.outputs, target, knobs};
  return f(request);
}

// A conv2d schedule family: the algorithms it shapes (each gets its own
// copy of the knobs, prefixed by the algorithm), the knobs' values worth
// trying, the lowering's default knobs for the kernel (added to the grid
// when off it) and what the lowering builds for given knobs, in its words
// (two Configs building the same thing are one candidate). A new family
// (e.g. depthwise) is one more entry in conv_families().
struct ConvFamily {
  std::string family;
  std::vector<std::string> algorithms;
  std::vector<Knob> grid;
  std::function<ScheduleKnobs(const KernelDesc &, const std::string &, const Halide::Target &)>
      defaults;
  std::function<std::string(const KernelDesc &, const std::string &, const ScheduleKnobs &,
                            const Halide::Target &)>
      built;
};

const std::vector<ConvFamily> &conv_families() {
  namespace sc = codegen::schedules;
  static const std::vector<ConvFamily> families = {
      {"conv2d",
       {"direct"},
       {{"vector_width", {4, 8, 16}},
        {"x_vectors", {1, 2, 3, 4}},
        {"y_block", {1, 2, 3, 4, 6, 8}},
        {"co_block", {1, 2, 3, 4, 6, 8, 12, 16}},
        {"unroll_kx", {0, 1}},
        {"flat_rows", {0, 1}},
        {"parallel", {1}}},
       [](const KernelDesc &k, const std::string &, const Halide::Target &t) {
         return sc::knobs_of(sc::default_conv_schedule(conv_view(k).shape, t));
       },
       [](const KernelDesc &k, const std::string &, const ScheduleKnobs &knobs,
          const Halide::Target &) {
         return sc::legalize(sc::conv_schedule_from(knobs), conv_view(k).shape).describe();
       }},
      {"gemm",
       {"im2col"},
       {{"vector_width", {4, 8, 16}},
        {"j_vectors", {1, 2, 3, 4}},
        {"i_block", {1, 2, 4, 6, 8, 12, 16}},
        {"pack_a", {0, 1}},
        {"lanes_along_i", {0, 1}},
        {"i_vectors", {1, 2, 3, 4}},
        {"j_block", {1, 2, 4, 6, 8}},
        {"k_chunk", {32, 64, 128, 256}},
        {"strips_per_task", {1, 2, 4}},
        {"parallel", {1}}},
       [](const KernelDesc &k, const std::string &a, const Halide::Target &t) {
         return with_request(k, a, {}, t, [](const codegen::LowerRequest &r) {
           return sc::knobs_of(codegen::ops::conv_im2col_schedule(r));
         });
       },
       [](const KernelDesc &k, const std::string &a, const ScheduleKnobs &knobs,
          const Halide::Target &t) {
         return with_request(k, a, knobs, t, [](const codegen::LowerRequest &r) {
           return codegen::ops::conv_im2col_schedule(r).describe();
         });
       }},
      {"winograd",
       {"winograd_f2", "winograd_f4"},
       {{"vector_width", {4, 8, 16}},
        {"tile_vectors", {1, 2, 3}},
        {"k_block", {4, 6, 8, 12, 16}},
        {"tile_rows", {1, 2, 4, 8}},
        {"k_groups", {1, 2, 4, 8}},
        {"shared_v", {0, 1}},
        {"parallel", {1}}},
       [](const KernelDesc &k, const std::string &a, const Halide::Target &t) {
         return with_request(k, a, {}, t, [&](const codegen::LowerRequest &r) {
           return sc::knobs_of(codegen::ops::conv_winograd_schedule(r, ir::ops::winograd_tile(a)));
         });
       },
       [](const KernelDesc &k, const std::string &a, const ScheduleKnobs &knobs,
          const Halide::Target &t) {
         int m = ir::ops::winograd_tile(a);
         return with_request(k, a, knobs, t, [&](const codegen::LowerRequest &r) {
           return codegen::ops::conv_winograd_schedule(r, m).describe(m);
         });
       }},
      {"depthwise",
       {"depthwise"},
       {{"vector_width", {4, 8, 16}},
        {"x_vectors", {1, 2, 3, 4}},
        {"y_block", {1, 2, 4, 6}},
        {"strip_rows", {4, 8, 16, 32}},
        {"task_channels", {1, 2, 4, 8, 16, 32, 64}},
        {"split_rows", {0, 1}},
        {"column_phases", {0, 1}},
        {"unroll_taps", {0, 1}},
        {"parallel", {0, 1}}},
       [](const KernelDesc &k, const std::string &a, const Halide::Target &t) {
         return with_request(k, a, {}, t, [](const codegen::LowerRequest &r) {
           return sc::knobs_of(codegen::ops::conv_depthwise_schedule(r));
         });
       },
       [](const KernelDesc &k, const std::string &a, const ScheduleKnobs &knobs,
          const Halide::Target &t) {
         return with_request(k, a, knobs, t, [](const codegen::LowerRequest &r) {
           return codegen::ops::conv_depthwise_schedule(r).describe();
         });
       }},
  };
  return families;
}

const ConvFamily *conv_family(const std::string &algorithm) {
  for (const ConvFamily &f : conv_families())
    if (std::find(f.algorithms.begin(), f.algorithms.end(), algorithm) != f.algorithms.end())
      return &f;
  return nullptr;
}

// Adds the knobs of `owner` (an algorithm, "" for dense) from `grid`, each
// knob's default (from `want`) put on the grid when it is off it.
void add_knobs(KnobSpace &s, const std::string &owner, const std::vector<Knob> &grid,
               const ScheduleKnobs &want) {
  for (Knob knob : grid) {
    knob.owner = owner;
    auto it = want.values.find(knob.name);
    if (it != want.values.end() &&
        std::find(knob.values.begin(), knob.values.end(), it->second) == knob.values.end()) {
      knob.values.push_back(it->second);
      std::sort(knob.values.begin(), knob.values.end());
    }
    int64_t v = it != want.values.end() ? it->second : knob.values[0];
    knob.default_index = static_cast<int>(std::find(knob.values.begin(), knob.values.end(), v) -
                                          knob.values.begin());
    s.knobs.push_back(knob);
  }
}

std::string algorithm_of(const KnobSpace &s, const Config &c) {
  return s.algorithms.empty() ? (s.family == "conv2d" ? "direct" : "") : s.algorithms[c.algorithm];
}

// The knobs of c's algorithm, by their names in its family.
ScheduleKnobs knobs_at(const KnobSpace &s, const Config &c) {
  ScheduleKnobs k{
      s.family == "conv2d" ? family_of("conv2d", algorithm_of(s, c)) : s.family, {}, ""};
  for (size_t i = 0; i < s.knobs.size(); i++)
    if (knob_active(s, c, i)) k.values[s.knobs[i].name] = s.knobs[i].values[c.index[i]];
  return k;
}

int direct_index(const KnobSpace &s) {
  auto it = std::find(s.algorithms.begin(), s.algorithms.end(), "direct");
  return it == s.algorithms.end() ? 0 : static_cast<int>(it - s.algorithms.begin());
}

}  // namespace

std::string family_of(const std::string &op, const std::string &algorithm) {
  if (op == "dense") return "dense";
  if (op != "conv2d") return "";
  const ConvFamily *f =
      conv_family(algorithm.empty() || algorithm == "auto" ? "direct" : algorithm);
  return f ? f->family : "";
}

bool knob_active(const KnobSpace &s, const Config &c, size_t i) {
  if (c.autoscheduler >= 0) return false;
  const std::string &owner = s.knobs[i].owner;
  return owner.empty() || owner == algorithm_of(s, c);
}

KnobSpace knob_space(const KernelDesc &k, const Halide::Target &target) {
  KnobSpace s;
  for (const auto &t : k.inputs)
    if (t.layout != ir::Layout::Plain) return s.why_not = "a non-plain layout", s;
  if (k.op == "conv2d") {
    if (conv_view(k).whole_input)
      return s.why_not = "a conv covering its input (lowered as dense)", s;
    if (ir::ops::weights_pretransformed(k.attrs))  // describe_kernel() undoes it
      throw InternalError("knob_space: kernel '" + k.name +
                          "' is described with its Winograd-transformed weight");
    s.family = "conv2d";
    s.algorithms = conv_algorithms_for(k);
    std::vector<std::string> owners = s.algorithms;
    if (owners.empty()) owners = {"direct"};
    for (const std::string &a : owners)
      if (const ConvFamily *f = conv_family(a)) add_knobs(s, a, f->grid, f->defaults(k, a, target));
    s.autoschedulers = codegen::autoschedulers_for(target);
    return s;
  }
  if (k.op == "dense") {
    s.family = "dense";
    add_knobs(s, "",
              {{"lanes", {4, 8, 16}},
               {"unit_block", {1, 2, 3, 4, 6, 8}},
               {"batch_block", {1, 2, 4}},
               {"parallel", {0, 1}}},
              codegen::schedules::knobs_of(
                  codegen::schedules::default_dense_schedule(dense_shape(k), target)));
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
  const std::string algorithm = s.algorithms.empty() ? "" : s.algorithms[c.algorithm];
  ScheduleKnobs knobs = knobs_at(s, c);
  if (knobs.values.empty()) knobs = {};  // an algorithm without knobs: its default
  return {algorithm, knobs};
}

std::optional<Config> config_of(const KnobSpace &s, const codegen::TunedChoice &choice) {
  Config c;
  for (const Knob &k : s.knobs) c.index.push_back(k.default_index);
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
  }
  ScheduleKnobs want = knobs_at(s, c);  // the family c's algorithm takes
  // An algorithm without knobs, or (an older record) one measured with its
  // default schedule: the default knobs are that schedule.
  if (want.values.empty() || choice.knobs.empty()) return c;
  if (choice.knobs.family != want.family) return std::nullopt;
  for (size_t i = 0; i < s.knobs.size(); i++) {
    if (!knob_active(s, c, i)) continue;
    auto v = choice.knobs.values.find(s.knobs[i].name);
    if (v == choice.knobs.values.end()) return std::nullopt;
    const auto &vals = s.knobs[i].values;
    auto at = std::find(vals.begin(), vals.end(), v->second);
    if (at == vals.end()) return std::nullopt;
    c.index[i] = static_cast<int>(at - vals.begin());
  }
  return c;
}

Config default_config(const KnobSpace &s, const KernelDesc &, const Halide::Target &) {
  Config c;
  c.algorithm = direct_index(s);
  for (const Knob &k : s.knobs) c.index.push_back(k.default_index);
  return c;
}

std::string canonical(const KnobSpace &s, const KernelDesc &k, const Config &c) {
  if (c.autoscheduler >= 0) return "autoscheduler=" + s.autoschedulers[c.autoscheduler];
  const std::string algorithm = algorithm_of(s, c);
  ScheduleKnobs knobs = knobs_at(s, c);
  if (s.family == "dense")
    return codegen::schedules::legalize(codegen::schedules::dense_schedule_from(knobs),
                                        dense_shape(k))
        .describe();
  const ConvFamily *f = conv_family(algorithm);
  if (!f) return algorithm;
  return algorithm + ": " + f->built(k, algorithm, knobs, Halide::get_host_target());
}

std::vector<Config> seed_configs(const KnobSpace &s, const KernelDesc &k,
                                 const Halide::Target &target) {
  Config knobs = default_config(s, k, target);
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
    f.push_back(knob_active(s, c, i)
                    ? std::log2(1.0 + static_cast<double>(s.knobs[i].values[c.index[i]]))
                    : 0.0);
  for (size_t a = 1; a < s.algorithms.size(); a++)
    f.push_back(c.algorithm == static_cast<int>(a) ? 1 : 0);
  return f;
}

}  // namespace kiln::tune
