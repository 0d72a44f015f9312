// The search space of one kernel: the schedule family's knobs with the
// values worth trying, and for conv2d the algorithms that can compute it.
// A point of the space is a Config (an algorithm and an index per knob of
// every algorithm); the tuner measures Configs, the cost model reads their
// features. Adding a schedule family is one entry in knob_space.cpp's table.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "Halide.h"
#include "codegen/compile_library.h"
#include "tune/kernel_desc.h"

namespace kiln::tune {

struct Knob {
  std::string name;  // the knob's name in its schedule family ("i_block")
  std::vector<int64_t> values;
  // The algorithm whose schedule it shapes ("direct", "im2col",
  // "winograd_f4"...; "" for a kernel without algorithms, e.g. dense): the
  // knob matters only when that algorithm is chosen.
  std::string owner = "";
  int default_index = 0;  // the default heuristic's value (always on the grid)

  // "im2col.i_block" (the name alone without an owner).
  std::string full_name() const { return owner.empty() ? name : owner + "." + name; }
};

struct KnobSpace {
  // "conv2d", "dense" or "" (no knobs: the kernel keeps its default schedule
  // and is not tuned). The families of the knobs' schedules are those of
  // their owners (family_of).
  std::string family;
  // conv2d: "direct" first, then the other algorithms that fit the conv
  // (when the op has an `algorithm` attribute).
  std::vector<std::string> algorithms;
  // Every algorithm's knobs, one after another: a Config holds a value for
  // all of them; only the chosen algorithm's are active (knob_active), and
  // canonical() ignores the others.
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

// The schedule family (ScheduleKnobs::family) that shapes `algorithm` of a
// kernel of `op`: conv2d's "direct" -> "conv2d", "im2col" -> "gemm",
// "winograd_f2"/"winograd_f4" -> "winograd"; "" when it has no knobs (it is
// measured with its default schedule).
std::string family_of(const std::string &op, const std::string &algorithm);
// Whether knob `i` matters for Config c (its owner is c's algorithm).
bool knob_active(const KnobSpace &s, const Config &c, size_t i);

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
// algorithm but the node's own with its default schedule (its default knobs) (by the conv cost model's predicted
// time, passes/conv_cost_model.h), the default heuristic's knobs, then each
// autoscheduler. (The default heuristic itself is measured before them.)
std::vector<Config> seed_configs(const KnobSpace &s, const KernelDesc &k,
                                 const Halide::Target &target);
// A rough time for the kernel before it is measured (ms, from its
// multiply-adds), to order kernels by their share of the model's time.
double estimated_ms(const KernelDesc &k);
// Numeric features for the cost model: log2 of each active knob value (0
// for the others), and a one-hot algorithm.
std::vector<double> features(const KnobSpace &s, const Config &c);

}  // namespace kiln::tune
