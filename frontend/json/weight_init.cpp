#include "frontend/json/weight_init.h"

#include <cmath>

namespace kiln::frontend {

namespace {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) from the top 24 bits: exact in float32.
  double uniform() { return static_cast<double>(next() >> 40) / 16777216.0; }

 private:
  uint64_t state_;
};

uint64_t fnv1a64(const std::string &s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

}  // namespace

std::vector<float> init_param(const ir::ParamSpec &spec, const std::string &name, InitScheme scheme,
                              uint64_t seed) {
  std::vector<float> v(static_cast<size_t>(ir::numel(spec.shape)), 0.0f);
  if (spec.init == ir::InitKind::Zeros) return v;
  if (spec.init == ir::InitKind::Ones) {
    for (auto &x : v) x = 1.0f;
    return v;
  }
  if (spec.init == ir::InitKind::Constant) {
    for (auto &x : v) x = static_cast<float>(spec.value);
    return v;
  }
  SplitMix64 rng(seed ^ fnv1a64(name));
  double fan_in = std::max<int64_t>(spec.fan_in, 1), fan_out = std::max<int64_t>(spec.fan_out, 1);
  if (scheme == InitScheme::Glorot) {
    double limit = std::sqrt(6.0 / (fan_in + fan_out));
    for (auto &x : v) x = static_cast<float>((2.0 * rng.uniform() - 1.0) * limit);
  } else {
    const double stddev = std::sqrt(2.0 / fan_in), two_pi = 6.283185307179586;
    for (size_t k = 0; k < v.size(); k += 2) {
      double u1 = 1.0 - rng.uniform(), u2 = rng.uniform();  // u1 in (0, 1]
      double r = std::sqrt(-2.0 * std::log(u1)) * stddev;
      v[k] = static_cast<float>(r * std::cos(two_pi * u2));
      if (k + 1 < v.size()) v[k + 1] = static_cast<float>(r * std::sin(two_pi * u2));
    }
  }
  return v;
}

}  // namespace kiln::frontend
