#include "codegen/ops/conv_geometry.h"

#include "codegen/ops/lower_util.h"
#include "ir/ops/window.h"

namespace kiln::codegen::ops {

using namespace Halide;
using schedules::ConvShape;

ConvGeometry conv_geometry(const LowerRequest &req) {
  const ir::Attrs &a = req.node.attrs;
  const ir::Shape &x = req.inputs[0].shape;
  ir::Window2d w = ir::resolve_window(a, x[2], x[3], false, false);
  ConvGeometry g;
  ConvShape &s = g.shape;
  s.batch = x[0];
  s.in_channels = x[1];
  s.in_h = x[2];
  s.in_w = x[3];
  s.out_channels = a.get_int("filters");
  s.out_h = w.out_h;
  s.out_w = w.out_w;
  s.groups = a.get_int("groups");
  s.kernel_h = w.kernel_h;
  s.kernel_w = w.kernel_w;
  s.stride_h = w.stride_h;
  s.stride_w = w.stride_w;
  s.dilation_h = w.dilation_h;
  s.dilation_w = w.dilation_w;
  g.pad_top = w.pad_top;
  g.pad_left = w.pad_left;
  g.needs_boundary = ir::reads_outside_input(w);
  g.padding_mode = a.get_string("padding_mode");
  g.has_bias = a.get_int("use_bias") != 0;
  g.epilogue = ir::ops::epilogue_of(a);
  return g;
}

bool is_pointwise(const ConvGeometry &g) {
  const ConvShape &s = g.shape;
  return s.kernel_h == 1 && s.kernel_w == 1 && s.stride_h == 1 && s.stride_w == 1 &&
         !g.needs_boundary;
}

void view_pointwise(ConvShape &s) {
  s.in_w *= s.in_h;
  s.in_h = 1;
  s.out_w *= s.out_h;
  s.out_h = 1;
}

bool is_whole_input(const ConvGeometry &g) {
  const ConvShape &s = g.shape;
  return s.groups == 1 && s.kernel_h == s.in_h && s.kernel_w == s.in_w && !g.needs_boundary;
}

Func extend(const ConvGeometry &g, ImageParam in) {
  Region image = {Range(0, extent(g.shape.in_w)), Range(0, extent(g.shape.in_h))};
  if (g.padding_mode == "replicate") return BoundaryConditions::repeat_edge(in, image);
  if (g.padding_mode == "reflect")  // PyTorch 'reflect': the edge is not repeated
    return BoundaryConditions::mirror_interior(in, image);
  return BoundaryConditions::constant_exterior(in, 0.0f, image);
}

Expr input_channel(const ConvShape &s, const Expr &co, const Expr &rz) {
  if (s.groups == 1) return rz;
  int cig = extent(s.in_channels / s.groups), cog = extent(s.out_channels / s.groups);
  return (co / cog) * cig + rz;
}

}  // namespace kiln::codegen::ops
