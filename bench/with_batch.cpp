#include "bench/with_batch.h"

#include "ir/errors.h"
#include "ir/op.h"
#include "ir/verifier.h"

namespace kiln::bench {

ir::Graph with_batch(const ir::Graph &g, int64_t batch) {
  if (batch <= 0) throw UserError("the batch size must be positive, got " + std::to_string(batch));
  ir::Graph out = g;
  for (int id : out.inputs) {
    ir::Shape &shape = out.values[id].type.shape;
    if (shape.empty())
      throw UserError("input '" + out.values[id].name + "' is a scalar: it has no batch dimension");
    shape[0] = batch;
  }
  for (const ir::Node &n : out.nodes) {
    std::vector<ir::TensorType> types;
    try {
      types = ir::get_op(n.op).infer(n.attrs, out.input_types(n));
    } catch (const UserError &e) {
      throw UserError("at batch " + std::to_string(batch) + ", node '" + n.name + "' (" + n.op +
                      "): " + e.what());
    }
    for (size_t k = 0; k < n.outputs.size(); k++) out.values[n.outputs[k]].type = types.at(k);
  }
  ir::verify_or_throw(out, "with_batch");
  return out;
}

}  // namespace kiln::bench
