// Halide lowering of to_float16 (ir/ops/to_float16.cpp): a cast to Halide's
// float16 (round to nearest even) and back, over the flat tensor.
#include "codegen/ops/lower_util.h"

namespace kiln::codegen::ops {

LoweredKernel lower_to_float16(const LowerRequest &req) {
  using namespace Halide;
  ir::Shape view = {req.inputs[0].numel()};
  auto k = schedules::default_elementwise_schedule(view[0], req.target);
  ImageParam in = make_input(view, "x");
  Var i("i");
  Func out("kiln_to_float16");
  out(i) = cast<float>(cast(Float(16), in(i)));
  schedule_elementwise(out, i, k);
  return make_kernel(out, {in}, {view}, view, k.describe());
}

}  // namespace kiln::codegen::ops
