#include "tune/search.h"

#include <algorithm>
#include <cmath>

namespace kiln::tune {

KernelSearch::KernelSearch(KnobSpace space, Canonical canonical, std::vector<Config> seeds,
                           uint64_t seed, int patience)
    : space_(std::move(space)),
      canonical_(std::move(canonical)),
      seeds_(std::move(seeds)),
      rng_(seed),
      patience_(patience) {}

Config KernelSearch::random_config() {
  Config c;
  if (!space_.algorithms.empty())
    c.algorithm = std::uniform_int_distribution<int>(0, space_.algorithms.size() - 1)(rng_);
  for (const Knob &k : space_.knobs)
    c.index.push_back(std::uniform_int_distribution<int>(0, k.values.size() - 1)(rng_));
  return c;
}

Config KernelSearch::mutate(const Config &c) {
  Config m = c;
  m.autoscheduler = -1;
  int changes = 1 + std::uniform_int_distribution<int>(0, 1)(rng_);
  for (int n = 0; n < changes; n++) {
    // A knob of m's algorithm (the others do not change what is built), or the algorithm.
    std::vector<int> active;
    for (size_t i = 0; i < space_.knobs.size(); i++)
      if (knob_active(space_, m, i)) active.push_back(static_cast<int>(i));
    int pick = std::uniform_int_distribution<int>(0, active.size())(rng_);
    if (pick == static_cast<int>(active.size())) {
      if (!space_.algorithms.empty())
        m.algorithm = std::uniform_int_distribution<int>(0, space_.algorithms.size() - 1)(rng_);
      continue;
    }
    int which = active[pick];
    int count = space_.knobs[which].values.size();
    // Mostly a step to a neighbouring value, sometimes a jump.
    int step = std::uniform_int_distribution<int>(0, 3)(rng_);
    int v = step == 0 ? std::uniform_int_distribution<int>(0, count - 1)(rng_)
                      : m.index[which] + (step % 2 ? 1 : -1);
    m.index[which] = std::clamp(v, 0, count - 1);
  }
  return m;
}

Config KernelSearch::crossover(const Config &a, const Config &b) {
  Config c = a;
  c.autoscheduler = -1;
  for (size_t i = 0; i < c.index.size(); i++)
    if (rng_() & 1) c.index[i] = b.index[i];
  if (rng_() & 1) c.algorithm = b.algorithm;
  return c;
}

std::vector<Config> KernelSearch::top(size_t n) const {
  auto sorted = samples_;
  std::sort(sorted.begin(), sorted.end(), [](auto &a, auto &b) { return a.second < b.second; });
  std::vector<Config> out;  // parents to breed from: knob-space Configs only
  for (size_t i = 0; i < sorted.size() && out.size() < n; i++)
    if (sorted[i].first.autoscheduler < 0) out.push_back(sorted[i].first);
  return out;
}

std::optional<Config> KernelSearch::propose() {
  auto fresh = [&](const Config &c) { return !seen_.count(canonical_(c)); };
  auto take = [&](const Config &c) {
    seen_.insert(canonical_(c));
    return c;
  };
  while (!seeds_.empty()) {
    Config c = seeds_.front();
    seeds_.erase(seeds_.begin());
    if (fresh(c)) return take(c);
  }
  // Breed a pool, keep the unseen candidates (one per canonical form).
  std::vector<Config> parents = top(6);
  std::vector<Config> pool;
  std::set<std::string> in_pool;
  for (int attempt = 0; attempt < 600 && pool.size() < 160; attempt++) {
    Config c;
    int kind = parents.empty() ? 2 : attempt % 4;
    if (kind <= 1)
      c = mutate(parents[std::uniform_int_distribution<size_t>(0, parents.size() - 1)(rng_)]);
    else if (kind == 2)
      c = random_config();
    else
      c = crossover(parents[std::uniform_int_distribution<size_t>(0, parents.size() - 1)(rng_)],
                    parents[std::uniform_int_distribution<size_t>(0, parents.size() - 1)(rng_)]);
    std::string key = canonical_(c);
    if (seen_.count(key) || in_pool.count(key)) continue;
    in_pool.insert(key);
    pool.push_back(c);
  }
  if (pool.empty()) {
    exhausted_ = true;
    return std::nullopt;
  }
  // One proposal in five explores at random; the rest follow the model.
  bool explore = !model_.fitted() || std::uniform_int_distribution<int>(0, 4)(rng_) == 0;
  if (explore) return take(pool[std::uniform_int_distribution<size_t>(0, pool.size() - 1)(rng_)]);
  size_t best = 0;
  double best_pred = 0;
  for (size_t i = 0; i < pool.size(); i++) {
    double p = model_.predict(features(space_, pool[i]));
    if (i == 0 || p < best_pred) best = i, best_pred = p;
  }
  // Early stop: a while without gain, and the model sees none coming.
  if (since_gain_ >= std::max(1, patience_ / 2) && best_pred > std::log(best_ * 0.99)) {
    model_says_done_ = true;
    return std::nullopt;
  }
  return take(pool[best]);
}

void KernelSearch::record(const Config &c, double ms) {
  seen_.insert(canonical_(c));
  samples_.push_back({c, ms});
  if (samples_.size() == 1 || ms < best_ * 0.99) {
    best_ = samples_.size() == 1 ? ms : ms;
    since_gain_ = 0;
  } else {
    best_ = std::min(best_, ms);
    since_gain_++;
  }
  refit();
}

void KernelSearch::refit() {
  std::vector<std::vector<double>> x;
  std::vector<double> y;
  for (const auto &[cfg, t] : samples_) {
    if (cfg.autoscheduler >= 0) continue;
    x.push_back(features(space_, cfg));
    y.push_back(t);
  }
  if (x.size() >= 3) model_.fit(x, y);
}

void KernelSearch::update(const Config &c, double ms) {
  std::string key = canonical_(c);
  for (auto &[cfg, t] : samples_)
    if (canonical_(cfg) == key) t = ms;
  best_ = samples_.empty() ? 0 : samples_[0].second;
  for (const auto &[cfg, t] : samples_) best_ = std::min(best_, t);
  refit();
}

double KernelSearch::next_prior() const {
  if (converged()) return 0;
  if (!seeds_.empty()) {
    const Config &c = seeds_.front();
    if (c.autoscheduler >= 0) return 0.1;  // rarely near a hand-written template
    return 0.3;                            // another algorithm, the default's knobs
  }
  int searched = 0;
  for (const auto &[cfg, t] : samples_) searched += cfg.autoscheduler < 0;
  return 0.12 / (1.0 + searched / 4.0);
}

std::vector<std::pair<Config, double>> KernelSearch::ranked() const {
  auto sorted = samples_;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](auto &a, auto &b) { return a.second < b.second; });
  return sorted;
}

void KernelSearch::record_failure(const Config &c) {
  seen_.insert(canonical_(c));
  since_gain_++;
}

// Every seed is measured before the search may stop.
bool KernelSearch::converged() const {
  return exhausted_ || model_says_done_ || (seeds_.empty() && since_gain_ >= patience_);
}

std::optional<double> KernelSearch::best_ms() const {
  if (samples_.empty()) return std::nullopt;
  return best_;
}

}  // namespace kiln::tune
