#include "codegen/lowering.h"

#include <map>

#include "codegen/autoschedule.h"
#include "ir/errors.h"

namespace kiln::codegen {

namespace ops {
#define KILN_OP(name) LoweredKernel lower_##name(const LowerRequest &);
#include "ir/ops/op_list.def"
#undef KILN_OP
}  // namespace ops

LowerFn lower_fn(const std::string &op) {
  static const std::map<std::string, LowerFn> table = {
#define KILN_OP(name) {#name, ops::lower_##name},
#include "ir/ops/op_list.def"
#undef KILN_OP
  };
  auto it = table.find(op);
  if (it == table.end()) throw InternalError("no Halide lowering for op '" + op + "'");
  return it->second;
}

LoweredKernel lower_node(const LowerRequest &request) {
  LoweredKernel k = lower_fn(request.node.op)(request);
  if (!request.tuned.autoscheduler.empty()) {
    if (!k.unscheduled)
      throw InternalError("the " + request.node.op + " lowering of '" + request.node.name +
                          "' cannot leave its kernel unscheduled for autoscheduler " +
                          request.tuned.autoscheduler);
    autoschedule(k, request.tuned.autoscheduler, request.target);
  }
  return k;
}

Halide::ImageParam make_input(const ir::Shape &view, const std::string &name) {
  int rank = static_cast<int>(view.size());
  Halide::ImageParam p(Halide::Float(32), rank, name);
  for (int d = 0; d < rank; d++) {
    p.dim(d).set_bounds(0, static_cast<int>(view[rank - 1 - d]));
    if (d > 0) p.dim(d).set_stride(p.dim(d - 1).stride() * p.dim(d - 1).extent());
  }
  if (rank > 0) p.dim(0).set_stride(1);
  return p;
}

void constrain_output(Halide::Func out, const ir::Shape &view) {
  int rank = static_cast<int>(view.size());
  Halide::OutputImageParam b = out.output_buffer();
  for (int d = 0; d < rank; d++) {
    b.dim(d).set_bounds(0, static_cast<int>(view[rank - 1 - d]));
    if (d > 0) b.dim(d).set_stride(b.dim(d - 1).stride() * b.dim(d - 1).extent());
  }
  if (rank > 0) b.dim(0).set_stride(1);
}

int natural_vector_width(const Halide::Target &target) {
  return target.natural_vector_size(Halide::Float(32));
}

}  // namespace kiln::codegen
