// Halide lowering of the structural ops: flatten as a 1-D copy, concat as row
// copies (input k viewed as [outer, C_k * inner] fills its column range of
// the output [outer, C * inner]). Knobs in codegen/schedules/memory_bound.h.
// (add: codegen/ops/binary.cpp.)
#include "codegen/ops/copy_kernel.h"
#include "codegen/ops/lower_util.h"
#include "codegen/schedules/cpu_info.h"
#include "codegen/schedules/memory_bound.h"
#include "ir/ops/op_helpers.h"

namespace kiln::codegen::ops {

using namespace Halide;

LoweredKernel lower_copy(const LowerRequest &req, const std::string &func_name) {
  ir::Shape view = {req.outputs[0].numel()};
  auto k = schedules::default_elementwise_schedule(view[0], req.target);
  ImageParam in = make_input(view, "x");
  Var i("i");
  Func out(func_name);
  out(i) = in(i);
  schedule_elementwise(out, i, k);
  return make_kernel(out, {in}, {view}, view, "copy, " + k.describe());
}

LoweredKernel lower_flatten(const LowerRequest &req) { return lower_copy(req, "kiln_flatten"); }

LoweredKernel lower_concat(const LowerRequest &req) {
  const ir::Shape &os = req.outputs[0].shape;
  int rank = static_cast<int>(os.size());
  int axis = ir::ops::resolve_axis(req.node.attrs.get_int("axis"), rank, "concat");
  int64_t outer = span(os, 0, axis), inner = span(os, axis + 1, rank);
  int64_t out_len = os[axis] * inner;
  auto k = schedules::default_concat_schedule(outer, out_len, req.target);

  Var j("j"), o("o");
  Func out("kiln_concat");
  // Every element is written by exactly one of the updates below.
  out(j, o) = undef<float>();
  std::vector<ImageParam> params;
  std::vector<ir::Shape> views;
  int64_t offset = 0;
  for (size_t in = 0; in < req.inputs.size(); in++) {
    int64_t len = req.inputs[in].shape[axis] * inner;
    ir::Shape view = {outer, len};
    ImageParam p = make_input(view, "x" + std::to_string(in));
    RDom r(0, extent(len), 0, extent(outer), "r" + std::to_string(in));
    out(r.x + extent(offset), r.y) = p(r.x, r.y);
    Stage copy = out.update(static_cast<int>(in));
    int vw = schedules::pow2_at_most(len, k.vector_width);
    if (vw > 1) copy.vectorize(r.x, vw, TailStrategy::GuardWithIf);
    if (k.parallel) copy.parallel(r.y);
    params.push_back(p);
    views.push_back(view);
    offset += len;
  }
  return make_kernel(out, params, views, {outer, out_len}, k.describe());
}

}  // namespace kiln::codegen::ops
