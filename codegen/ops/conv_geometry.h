// The geometry of a conv2d node as every convolution algorithm's lowering
// sees it (codegen/ops/conv2d.cpp, conv_im2col.cpp, conv_winograd.cpp,
// conv_depthwise.cpp): shape, padding, boundary handling, bias and epilogue.
#pragma once

#include <string>

#include "Halide.h"
#include "codegen/lowering.h"
#include "codegen/schedules/conv_schedule.h"
#include "ir/ops/epilogue.h"

namespace kiln::codegen::ops {

struct ConvGeometry {
  schedules::ConvShape shape;
  int64_t pad_top, pad_left;
  bool needs_boundary;  // some window reads outside the input
  std::string padding_mode;
  bool has_bias;
  ir::ops::Epilogue epilogue;
};

ConvGeometry conv_geometry(const LowerRequest &request);

// A 1x1 kernel with stride 1 over an unpadded input: every output pixel is
// the input pixel, so H and W fold into one row of H*W pixels (wider vectors,
// fewer tails).
bool is_pointwise(const ConvGeometry &g);
void view_pointwise(schedules::ConvShape &s);

// The kernel covers the whole unpadded input: out[n, co] = dot(x[n], w[co]).
bool is_whole_input(const ConvGeometry &g);

// The input (x, y, c, n in Halide order) extended beyond [0, W) x [0, H) as
// the padding mode says: zeros, replicate or reflect.
Halide::Func extend(const ConvGeometry &g, Halide::ImageParam in);

// The input channel of reduction index rz for output channel co.
Halide::Expr input_channel(const schedules::ConvShape &s, const Halide::Expr &co,
                           const Halide::Expr &rz);

// The conv's inputs as ImageParams (bias only when the conv has one).
struct ConvInputs {
  Halide::ImageParam x, weight, bias;
  bool has_bias;
  Halide::Expr bias_or_zero(const Halide::Expr &co) const {
    return has_bias ? bias(co) : Halide::Expr(0.0f);
  }
};

}  // namespace kiln::codegen::ops
