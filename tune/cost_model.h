// A cost model fitted to the measurements so far: ridge regression of
// log(time) on the features, their squares and pairwise products
// (standardized). Cheap enough to refit after every measurement; with few
// samples the ridge term keeps it close to the mean.
#pragma once

#include <vector>

namespace kiln::tune {

class CostModel {
 public:
  explicit CostModel(double ridge = 1.0) : ridge_(ridge) {}
  // Fits log(ms) ~ quadratic(features). Needs at least two samples.
  void fit(const std::vector<std::vector<double>> &features, const std::vector<double> &ms);
  bool fitted() const { return !weights_.empty(); }
  // Predicted log(ms); only compare predictions with each other.
  double predict(const std::vector<double> &features) const;

 private:
  std::vector<double> expand(const std::vector<double> &f) const;
  double ridge_;
  std::vector<double> mean_, scale_, weights_;
};

}  // namespace kiln::tune
