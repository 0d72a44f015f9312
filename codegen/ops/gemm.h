// A tiled, vectorized, register-blocked matrix multiply as a Halide stage,
// shared by the im2col convolution (codegen/ops/conv_im2col.cpp) and dense:
//   out(j, i, g, n) = epilogue(seed(j, i, g) + sum_k A(j, k, g, n) * B(k, i, g))
// j is vectorized (A is loaded as vectors along j), B is broadcast. The
// knobs and their heuristic are in codegen/schedules/gemm_schedule.h.
#pragma once

#include <string>

#include "Halide.h"
#include "codegen/ops/lower_util.h"
#include "codegen/schedules/gemm_schedule.h"

namespace kiln::codegen::ops {

struct GemmOperands {
  Halide::Func a;     // a(j, k, g, n)
  Halide::Func b;     // b(k, i, g)
  Halide::Func seed;  // seed(j, i, g), e.g. the bias; undefined: zero
  // A is contiguous along k rather than j (dense's weight rows): the panel
  // is packed in vw x vw tiles so its loads run along k.
  bool a_along_k = false;
};

// The scheduled output stage out(j, i, g, n) over extents (rows, cols, groups,
// batches / groups); `epilogue` is applied at coordinates (j, i, g, n), so its
// residual must be viewed like the output.
Halide::Func gemm(const GemmOperands &operands, const schedules::GemmShape &shape,
                  const schedules::GemmSchedule &schedule, const FusedEpilogue &epilogue,
                  const std::string &name);

// dense (y = x W^T + b, 2-D views as lower_matmul_wt) through gemm: j runs
// over the units (each task packs a strip of W transposed), i over the
// batch rows.
LoweredKernel lower_matmul_wt_gemm(const schedules::DenseShape &shape, bool has_bias,
                                   const ir::ops::Epilogue &epilogue,
                                   const schedules::GemmSchedule &schedule,
                                   const std::string &note = "");

// Whether dense of this shape runs faster through gemm than through the
// lane-reduce kernel of codegen/ops/dense.cpp (measured; docs/performance.md).
bool dense_prefers_gemm(const schedules::DenseShape &shape);

}  // namespace kiln::codegen::ops
