// to_float16: each element rounded to the nearest float16 (ties to even,
// subnormals kept, beyond 65504 + half an ulp to +-inf), held in float32,
// which holds every float16 exactly: ONNX's Cast to float16 of run-time data.
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef def_to_float16() {
  OpDef d;
  d.name = "to_float16";
  d.doc = "the nearest float16 of each element (ties to even), held in float32";
  d.inputs = {{"x"}};
  d.infer = [](const Attrs &, const std::vector<TensorType> &in) {
    return std::vector<TensorType>{{DType::F32, in[0].shape}};
  };
  d.cost = [](const Attrs &, const std::vector<TensorType> &, const std::vector<TensorType> &out) {
    return elementwise_cost(out, 2);
  };
  return d;
}

}  // namespace kiln::ir::ops
