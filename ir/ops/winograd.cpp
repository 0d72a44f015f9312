#include "ir/ops/winograd.h"

#include <stdexcept>

namespace kiln::ir::ops {

const WinogradMatrices &winograd_matrices(int m) {
  static const WinogradMatrices f2 = {
      2,
      4,
      {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}},
      {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}},
      {{1, 1, 1, 0}, {0, 1, -1, -1}},
  };
  static const WinogradMatrices f4 = {
      4,
      6,
      {{4, 0, -5, 0, 1, 0},
       {0, -4, -4, 1, 1, 0},
       {0, 4, -4, -1, 1, 0},
       {0, -2, -1, 2, 1, 0},
       {0, 2, -1, -2, 1, 0},
       {0, 4, 0, -5, 0, 1}},
      {{1.0 / 4, 0, 0},
       {-1.0 / 6, -1.0 / 6, -1.0 / 6},
       {-1.0 / 6, 1.0 / 6, -1.0 / 6},
       {1.0 / 24, 1.0 / 12, 1.0 / 6},
       {1.0 / 24, -1.0 / 12, 1.0 / 6},
       {0, 0, 1}},
      {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}},
  };
  if (m == 2) return f2;
  if (m == 4) return f4;
  throw std::invalid_argument("Winograd F(m, 3) is defined here for m = 2 or 4, not " +
                              std::to_string(m));
}

int winograd_tile(const std::string &algorithm) {
  if (algorithm == "winograd_f2") return 2;
  if (algorithm == "winograd_f4") return 4;
  return 0;
}

bool weights_pretransformed(const Attrs &a) {
  return a.has("weights_pretransformed") && a.get_int("weights_pretransformed") != 0;
}

Shape winograd_weight_shape(int m, int64_t in_channels, int64_t out_channels) {
  const int64_t alpha = m + 2;
  return {alpha, alpha, in_channels, out_channels};
}

std::vector<float> winograd_transform_weights(int m, const std::vector<float> &weight,
                                              int64_t out_channels, int64_t in_channels) {
  const WinogradMatrices &w = winograd_matrices(m);
  const int64_t K = out_channels, C = in_channels, alpha = w.alpha;
  if (static_cast<int64_t>(weight.size()) != K * C * 9)
    throw std::invalid_argument("winograd_transform_weights: expected " +
                                std::to_string(K * C * 9) + " weights (3x3), got " +
                                std::to_string(weight.size()));
  std::vector<float> u(static_cast<size_t>(alpha * alpha * C * K));
  for (int64_t k = 0; k < K; k++)
    for (int64_t c = 0; c < C; c++) {
      const float *g = &weight[static_cast<size_t>((k * C + c) * 9)];
      double gg[8][3];  // G g: alpha x 3
      for (int64_t p = 0; p < alpha; p++)
        for (int b = 0; b < 3; b++) {
          double s = 0;
          for (int r = 0; r < 3; r++) s += w.G[p][r] * g[r * 3 + b];
          gg[p][b] = s;
        }
      for (int64_t p = 0; p < alpha; p++)
        for (int64_t q = 0; q < alpha; q++) {
          double s = 0;
          for (int b = 0; b < 3; b++) s += gg[p][b] * w.G[q][b];
          u[static_cast<size_t>(((p * alpha + q) * C + c) * K + k)] = static_cast<float>(s);
        }
    }
  return u;
}

}  // namespace kiln::ir::ops
