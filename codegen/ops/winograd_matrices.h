// The transform matrices of Winograd's minimal filtering F(m, 3) (Lavin &
// Gray 2015, "Fast Algorithms for Convolutional Neural Networks"), for a tile
// of m outputs and alpha = m + 2 inputs. In 1-D, the correlation
// y[i] = sum_k d[i + k] g[k] (i < m, k < 3) equals AT * ((G g) .* (BT d));
// in 2-D, Y = AT [(G g GT) .* (BT d B)] A. F(2, 3) uses the points 0, 1, -1
// and infinity; F(4, 3) uses 0, 1, -1, 2, -2 and infinity.
// tests/conv_winograd_test.cpp checks the identity numerically. No Halide here,
// so tests and tools can read the matrices too.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace kiln::codegen::ops {

struct WinogradMatrices {
  int m = 0, alpha = 0;
  std::vector<std::vector<double>> BT;  // alpha x alpha: input transform
  std::vector<std::vector<double>> G;   // alpha x 3: filter transform
  std::vector<std::vector<double>> AT;  // m x alpha: output transform
};

inline const WinogradMatrices &winograd_matrices(int m) {
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

}  // namespace kiln::codegen::ops
