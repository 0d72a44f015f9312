// Winograd's minimal filtering F(m x m, 3x3) (Lavin & Gray 2015, "Fast
// Algorithms for Convolutional Neural Networks") as plain data and float64
// arithmetic, with no Halide: the matrices, and the filter transform that
// the pretransform-winograd pass runs at compile time
// (passes/pretransform_winograd.h). Shared by ir/, passes/, reference/ and
// codegen/ (codegen/ops/winograd_matrices.h re-exports the matrices).
//
// For a tile of m outputs and alpha = m + 2 inputs, the 1-D correlation
// y[i] = sum_k d[i + k] g[k] (i < m, k < 3) equals AT ((G g) .* (BT d)); in
// 2-D, Y = AT [(G g GT) .* (BT d B)] A. F(2, 3) uses the points 0, 1, -1 and
// infinity; F(4, 3) uses 0, 1, -1, 2, -2 and infinity.
#pragma once

#include <string>
#include <vector>

#include "ir/attrs.h"
#include "ir/types.h"

namespace kiln::ir::ops {

struct WinogradMatrices {
  int m = 0, alpha = 0;
  std::vector<std::vector<double>> BT;  // alpha x alpha: input transform
  std::vector<std::vector<double>> G;   // alpha x 3: filter transform
  std::vector<std::vector<double>> AT;  // m x alpha: output transform
};

// m = 2 or 4; std::invalid_argument otherwise.
const WinogradMatrices &winograd_matrices(int m);

// The output tile m of a Winograd algorithm name ("winograd_f2" -> 2,
// "winograd_f4" -> 4); 0 for any other algorithm.
int winograd_tile(const std::string &algorithm);

// Whether a conv2d's weight input holds the transformed filter U (its
// internal `weights_pretransformed` attribute, set by the pass).
bool weights_pretransformed(const Attrs &conv_attrs);

// The shape of a conv's transformed filter U, in the layout the kernel reads
// (row-major): U[p][q][c][k] = (G g(k, c) GT)[p][q], i.e. {alpha, alpha, C, K}
// with the output channels innermost (the GEMMs broadcast along them).
Shape winograd_weight_shape(int m, int64_t in_channels, int64_t out_channels);

// U from conv2d weights [K][C][3][3] (row-major), computed in float64 and
// rounded once to float32.
std::vector<float> winograd_transform_weights(int m, const std::vector<float> &weight,
                                              int64_t out_channels, int64_t in_channels);

}  // namespace kiln::ir::ops
