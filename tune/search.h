// The search over one kernel's knob space: an evolutionary search guided by
// the cost model. Each proposal breeds a pool of candidates from the best
// Configs measured so far (mutating one or two knobs, crossing two parents)
// plus random ones, ranks the pool by the model fitted to every measurement
// so far, and returns the best predicted candidate not yet measured, with
// some random exploration. Two Configs that legalize to the same schedule
// are one candidate. The seeds (the likeliest winners: other algorithms,
// the default knobs, the autoschedulers) are proposed first, in order; the
// model is fitted to the knob-space samples only (an autoscheduler's time
// says nothing about the knobs). Early stopping: `patience` measurements in
// a row without a 1% gain, or half that when the model predicts no 1% gain
// for any candidate it can breed.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>

#include "tune/cost_model.h"
#include "tune/knob_space.h"

namespace kiln::tune {

class KernelSearch {
 public:
  using Canonical = std::function<std::string(const Config &)>;
  KernelSearch(KnobSpace space, Canonical canonical, std::vector<Config> seeds, uint64_t seed,
               int patience);

  // The next Config to measure, or nullopt when the space is exhausted.
  // The Config is pending until record() or record_failure().
  std::optional<Config> propose();
  void record(const Config &c, double ms);
  void record_failure(const Config &c);
  // Replaces a measured Config's time (a re-measurement's median).
  void update(const Config &c, double ms);
  // The gain expected from the next proposal, as a fraction of the kernel's
  // time: a rough prior for the tuner's choice of kernel (seeds first, then
  // diminishing with the number of search trials); 0 once converged.
  double next_prior() const;
  // The measured Configs, fastest first.
  std::vector<std::pair<Config, double>> ranked() const;
  // True once every seed was proposed and `patience` measurements in a row
  // brought no 1% gain, or the model predicts none, or the space is exhausted.
  bool converged() const;
  int measured() const { return static_cast<int>(samples_.size()); }
  std::optional<double> best_ms() const;

 private:
  Config random_config();
  Config mutate(const Config &c);
  Config crossover(const Config &a, const Config &b);
  std::vector<Config> top(size_t n) const;

  KnobSpace space_;
  Canonical canonical_;
  std::vector<Config> seeds_;
  std::mt19937_64 rng_;
  int patience_;
  std::set<std::string> seen_;  // canonical forms measured, failed or pending
  std::vector<std::pair<Config, double>> samples_;
  CostModel model_;
  double best_ = 0;
  int since_gain_ = 0;
  bool exhausted_ = false;
  bool model_says_done_ = false;
  void refit();
};

}  // namespace kiln::tune
