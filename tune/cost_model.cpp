#include "tune/cost_model.h"

#include <cmath>

#include "ir/errors.h"

namespace kiln::tune {

namespace {

// Solves a x = b for symmetric positive definite a (Gaussian elimination
// with partial pivoting; a is small).
std::vector<double> solve(std::vector<std::vector<double>> a, std::vector<double> b) {
  const size_t n = b.size();
  for (size_t c = 0; c < n; c++) {
    size_t p = c;
    for (size_t r = c + 1; r < n; r++)
      if (std::fabs(a[r][c]) > std::fabs(a[p][c])) p = r;
    std::swap(a[c], a[p]);
    std::swap(b[c], b[p]);
    if (std::fabs(a[c][c]) < 1e-12) continue;
    for (size_t r = c + 1; r < n; r++) {
      double f = a[r][c] / a[c][c];
      for (size_t k = c; k < n; k++) a[r][k] -= f * a[c][k];
      b[r] -= f * b[c];
    }
  }
  std::vector<double> x(n, 0.0);
  for (size_t c = n; c-- > 0;) {
    if (std::fabs(a[c][c]) < 1e-12) continue;
    double s = b[c];
    for (size_t k = c + 1; k < n; k++) s -= a[c][k] * x[k];
    x[c] = s / a[c][c];
  }
  return x;
}

}  // namespace

std::vector<double> CostModel::expand(const std::vector<double> &raw) const {
  std::vector<double> f(raw.size());
  for (size_t i = 0; i < raw.size(); i++) f[i] = (raw[i] - mean_[i]) / scale_[i];
  std::vector<double> out = {1.0};
  out.insert(out.end(), f.begin(), f.end());
  for (size_t i = 0; i < f.size(); i++)
    for (size_t j = i; j < f.size(); j++) out.push_back(f[i] * f[j]);
  return out;
}

void CostModel::fit(const std::vector<std::vector<double>> &x, const std::vector<double> &ms) {
  if (x.size() < 2 || x.size() != ms.size()) throw InternalError("cost model: too few samples");
  const size_t d = x[0].size();
  mean_.assign(d, 0.0);
  scale_.assign(d, 0.0);
  for (const auto &row : x)
    for (size_t i = 0; i < d; i++) mean_[i] += row[i] / x.size();
  for (const auto &row : x)
    for (size_t i = 0; i < d; i++)
      scale_[i] += (row[i] - mean_[i]) * (row[i] - mean_[i]) / x.size();
  for (double &s : scale_) s = s > 1e-12 ? std::sqrt(s) : 1.0;
  std::vector<std::vector<double>> rows;
  for (const auto &row : x) rows.push_back(expand(row));
  const size_t p = rows[0].size();
  std::vector<std::vector<double>> ata(p, std::vector<double>(p, 0.0));
  std::vector<double> aty(p, 0.0);
  for (size_t r = 0; r < rows.size(); r++) {
    double y = std::log(ms[r]);
    for (size_t i = 0; i < p; i++) {
      aty[i] += rows[r][i] * y;
      for (size_t j = 0; j < p; j++) ata[i][j] += rows[r][i] * rows[r][j];
    }
  }
  for (size_t i = 1; i < p; i++) ata[i][i] += ridge_;  // the intercept is not shrunk
  weights_ = solve(ata, aty);
}

double CostModel::predict(const std::vector<double> &raw) const {
  std::vector<double> f = expand(raw);
  double s = 0;
  for (size_t i = 0; i < f.size(); i++) s += f[i] * weights_[i];
  return s;
}

}  // namespace kiln::tune
