// Ops that rearrange or extend a tensor of any rank (ONNX Transpose and Pad):
//   permute(x)  output axis k is input axis perm[k]
//   pad(x)      pads[k] entries before and pads[rank + k] after axis k,
//               holding `value` (constant), the mirror image without the
//               border (reflect: index -1 is index 1) or the border (edge)
#include <algorithm>
#include <numeric>

#include "ir/grads/grad_rules.h"
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef def_permute() {
  OpDef d;
  d.name = "permute";
  d.doc = "axes reordered: output axis k is input axis perm[k] (ONNX Transpose)";
  d.inputs = {{"x"}};
  d.attrs = {{"perm", AttrKind::Ints, std::nullopt, "a permutation of 0 .. rank - 1"}};
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    const std::vector<int64_t> &perm = a.get_ints("perm");
    std::vector<int64_t> sorted = perm, identity(in[0].rank());
    std::sort(sorted.begin(), sorted.end());
    std::iota(identity.begin(), identity.end(), 0);
    if (sorted != identity)
      throw UserError("perm " + attr_str(perm) + " is not a permutation of the " +
                      std::to_string(in[0].rank()) + " axes of " + shape_str(in[0].shape));
    Shape out(perm.size());
    for (size_t k = 0; k < perm.size(); k++) out[k] = in[0].shape[perm[k]];
    return std::vector<TensorType>{{DType::F32, out}};
  };
  d.cost = [](const Attrs &, const std::vector<TensorType> &, const std::vector<TensorType> &) {
    return Cost{};
  };
  d.grad = grads::grad_permute;
  return d;
}

OpDef def_pad() {
  OpDef d;
  d.name = "pad";
  d.doc = "padding on every axis: constant, reflect or edge (ONNX Pad)";
  d.inputs = {{"x"}};
  d.attrs = {{"pads", AttrKind::Ints, std::nullopt,
              "entries added before each axis, then after each axis (2 * rank, not negative)"},
             {"mode",
              AttrKind::String,
              std::string("constant"),
              "what the padding holds",
              {"constant", "reflect", "edge"}},
             {"value", AttrKind::Float, 0.0, "the padding's value in constant mode"}};
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    const std::vector<int64_t> &pads = a.get_ints("pads");
    const Shape &x = in[0].shape;
    if (pads.size() != 2 * x.size())
      throw UserError("pads must have 2 * rank = " + std::to_string(2 * x.size()) +
                      " entries for " + shape_str(x) + ", got " + std::to_string(pads.size()));
    const bool reflect = a.get_string("mode") == "reflect";
    Shape out = x;
    for (size_t k = 0; k < x.size(); k++) {
      const int64_t before = pads[k], after = pads[x.size() + k];
      if (before < 0 || after < 0)
        throw UserError("pads must not be negative, got " + attr_str(pads));
      if (reflect && std::max(before, after) >= x[k])
        throw UserError("reflect padding must be smaller than the axis (" + std::to_string(x[k]) +
                        " entries on axis " + std::to_string(k) + ")");
      out[k] += before + after;
    }
    return std::vector<TensorType>{{DType::F32, out}};
  };
  d.cost = [](const Attrs &, const std::vector<TensorType> &, const std::vector<TensorType> &) {
    return Cost{};
  };
  d.grad = grads::grad_pad;
  return d;
}

}  // namespace kiln::ir::ops
