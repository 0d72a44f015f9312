// The search space of one kernel: the schedule family's knobs with the
// values worth trying, and for conv2d the algorithms that can compute it.
// A point of the space is a Config (an index per knob); the tuner measures
// Configs, the cost model reads their features.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "Halide.h"
#include "codegen/compile_library.h"
#include "tune/kernel_desc.h"

namespace kiln::tune {

struct Knob {
  std::string name;
  std::vector<int64_t> values;
};

struct KnobSpace {
  // "conv2d" (ConvSchedule), "dense" (DenseSchedule) or "" (no knobs: the
  // kernel keeps its default schedule and is not tuned).
  std::string family;
  // conv2d: "direct" first, then the other algorithms that fit the conv
  // (when the op has an `algorithm` attribute). The knobs shape "direct"
  // only; another algorithm is measured with its default schedule.
  std::vector<std::string> algorithms;
  std::vector<Knob> knobs;
  // Halide autoschedulers offered for this kernel (codegen/autoschedule.h):
  // the lowering's algorithm ("direct" for conv2d) left unscheduled and
  // scheduled by the autoscheduler; empty when the lowering cannot.
  std::vector<std::string> autoschedulers;
  // Why a kernel has no space (for the progress display).
  std::string why_not;

  bool tunable() const { return !family.empty(); }
};

struct Config {
  int algorithm = 0;       // index into KnobSpace::algorithms (0 without algorithms)
  std::vector<int> index;  // value index per knob
  int autoscheduler = -1;  // index into KnobSpace::autoschedulers; -1: the knobs decide
};

KnobSpace knob_space(const KernelDesc &k, const Halide::Target &target);

// The lowering's choice for a Config.
codegen::TunedChoice choice_of(const KnobSpace &s, const Config &c);
// The Config whose knob values are these (nullopt when a value is not in
// the space, e.g. a record from an older space).
std::optional<Config> config_of(const KnobSpace &s, const codegen::TunedChoice &choice);
// The default heuristic's schedule as a Config (the search's first seed).
Config default_config(const KnobSpace &s, const KernelDesc &k, const Halide::Target &target);
// What the lowering will really build (knobs legalized for the shape): two
// Configs with the same canonical form are one candidate.
std::string canonical(const KnobSpace &s, const KernelDesc &k, const Config &c);
// The seeds of a kernel's search, most likely winners first: every
// algorithm but the node's own with its default schedule (by the conv cost model's predicted
// time, passes/conv_cost_model.h), the default heuristic's knobs, then each
// autoscheduler. (The default heuristic itself is measured before them.)
std::vector<Config> seed_configs(const KnobSpace &s, const KernelDesc &k,
                                 const Halide::Target &target);
// A rough time for the kernel before it is measured (ms, from its
// multiply-adds), to order kernels by their share of the model's time.
double estimated_ms(const KernelDesc &k);
// Numeric features for the cost model: log2 of each knob value, and a
// one-hot algorithm.
std::vector<double> features(const KnobSpace &s, const Config &c);

}  // namespace kiln::tune
