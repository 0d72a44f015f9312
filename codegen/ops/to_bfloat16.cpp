// Halide lowering of to_bfloat16 (ir/ops/to_bfloat16.cpp) on the float32
// bits, over the flat tensor: adding 0x7fff plus the lowest kept bit rounds
// the upper 16 bits to nearest, ties to even (a carry into the exponent is
// the next binade, or infinity past the largest bfloat16); the low 16 bits
// are then cleared ("truncate": only cleared). NaN passes through unchanged (rounding could clear
// its payload and make it infinity).
#include "codegen/ops/lower_util.h"

namespace kiln::codegen::ops {

namespace {
Halide::Expr u32(uint64_t v) { return Halide::Internal::make_const(Halide::UInt(32), v); }
}  // namespace

LoweredKernel lower_to_bfloat16(const LowerRequest &req) {
  using namespace Halide;
  ir::Shape view = {req.inputs[0].numel()};
  auto k = schedules::default_elementwise_schedule(view[0], req.target);
  ImageParam in = make_input(view, "x");
  Var i("i");
  Expr bits = reinterpret<uint32_t>(in(i));
  const bool truncate = req.node.attrs.get_string("rounding") == "truncate";
  Expr rounded = (truncate ? bits : bits + (u32(0x7fff) + ((bits >> 16) & 1))) & u32(0xffff0000);
  // NaN by its bits (Halide may fold is_nan away without strict_float).
  Expr nan = (bits & u32(0x7fffffff)) > u32(0x7f800000);
  Func out("kiln_to_bfloat16");
  out(i) = reinterpret<float>(select(nan, bits, rounded));
  schedule_elementwise(out, i, k);
  return make_kernel(out, {in}, {view}, view, k.describe());
}

}  // namespace kiln::codegen::ops
