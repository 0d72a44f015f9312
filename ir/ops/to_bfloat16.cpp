// to_bfloat16: each element rounded to the nearest bfloat16 (8 significant
// bits, float32's exponent range; ties to even, subnormals kept, past the
// largest bfloat16 plus half an ulp to +-inf, NaN stays NaN), or with
// rounding "truncate" cut to its upper 16 bits (toward zero: ONNX's
// reference for Cast before opset 19, which its test data checks), held in
// float32, which holds every bfloat16 exactly: ONNX's Cast to bfloat16 of
// run-time data.
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef def_to_bfloat16() {
  OpDef d;
  d.name = "to_bfloat16";
  d.doc = "the nearest bfloat16 of each element (ties to even), held in float32";
  d.inputs = {{"x"}};
  d.attrs = {{"rounding",
              AttrKind::String,
              std::string("nearest_even"),
              "nearest_even, or truncate (toward zero)",
              {"nearest_even", "truncate"}}};
  d.infer = [](const Attrs &, const std::vector<TensorType> &in) {
    return std::vector<TensorType>{{DType::F32, in[0].shape}};
  };
  d.cost = [](const Attrs &, const std::vector<TensorType> &, const std::vector<TensorType> &out) {
    return elementwise_cost(out, 3);
  };
  return d;
}

}  // namespace kiln::ir::ops
