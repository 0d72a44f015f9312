// Order statistics of timing samples.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

namespace kiln::bench {

// The q-quantile (0 <= q <= 1) with linear interpolation between order
// statistics; 0 for no samples.
inline double quantile(const std::vector<double> &samples, double q) {
  if (samples.empty()) return 0;
  std::vector<double> v = samples;
  std::sort(v.begin(), v.end());
  double pos = q * static_cast<double>(v.size() - 1);
  size_t lo = static_cast<size_t>(std::floor(pos));
  size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

inline double median(const std::vector<double> &v) { return quantile(v, 0.5); }

// exp(mean(log v)); 0 for no samples.
inline double geometric_mean(const std::vector<double> &v) {
  if (v.empty()) return 0;
  double sum = 0;
  for (double x : v) sum += std::log(x);
  return std::exp(sum / static_cast<double>(v.size()));
}

}  // namespace kiln::bench
