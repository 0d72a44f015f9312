// log_softmax: x - max - log(sum(exp(x - max))) along `axis` (ONNX
// LogSoftmax from opset 13; the importer coerces earlier opsets' 2-D form).
#include "ir/grads/grad_rules.h"
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef def_log_softmax() {
  OpDef d;
  d.name = "log_softmax";
  d.doc = "log(softmax(x)) along `axis`, computed as x - max - log(sum(exp(x - max)))";
  d.inputs = {{"x"}};
  d.attrs = {{"axis", AttrKind::Int, int64_t{-1}, "the axis normalized (negative: from the end)"}};
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    resolve_axis(a.get_int("axis"), in[0].rank(), "log_softmax");
    return std::vector<TensorType>{in[0]};
  };
  d.cost = [](const Attrs &, const std::vector<TensorType> &, const std::vector<TensorType> &out) {
    return elementwise_cost(out, 5);
  };
  d.grad = grads::grad_log_softmax;
  return d;
}

}  // namespace kiln::ir::ops
