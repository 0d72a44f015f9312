// dense: y = x W^T + b over [batch, features]. weight: [units, features].
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef def_dense() {
  OpDef d;
  d.name = "dense";
  d.doc = "fully connected layer";
  d.takes_activation = true;
  d.inputs = {{"x"}, {"weight", true}, {"bias", true, true}};
  d.attrs = {
      {"units", AttrKind::Int, std::nullopt, "output features"},
      {"use_bias", AttrKind::Bool, int64_t{1}, "add a bias per output feature"},
  };
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    const TensorType &x = in[0];
    if (x.rank() != 2)
      throw UserError("the input must be 2-D [batch, features], got " + shape_str(x.shape) +
                      " (add a flatten layer before it)");
    int64_t units = a.get_int("units");
    if (units <= 0) throw UserError("units must be positive");
    expect_shape(in[1], {units, x.shape[1]}, "the weight");
    if (a.get_int("use_bias") != (in.size() > 2 ? 1 : 0))
      throw UserError(a.get_int("use_bias") ? "use_bias is set but no bias is given"
                                            : "a bias is given but use_bias is false");
    if (in.size() > 2) expect_shape(in[2], {units}, "the bias");
    return std::vector<TensorType>{{DType::F32, {x.shape[0], units}}};
  };
  d.params = [](const Attrs &a, const TensorType &x) {
    int64_t units = a.get_int("units");
    int64_t k = x.rank() == 2 ? x.shape[1] : 0;
    std::vector<ParamSpec> p = {{"weight", {units, k}, InitKind::Weight, k, units}};
    if (a.get_int("use_bias")) p.push_back({"bias", {units}, InitKind::Zeros});
    return p;
  };
  d.cost = [](const Attrs &a, const std::vector<TensorType> &in,
              const std::vector<TensorType> &out) {
    Cost c;
    c.macs = out[0].numel() * in[0].shape[1];
    c.flops = 2 * c.macs + (a.get_int("use_bias") ? out[0].numel() : 0);
    return c;
  };
  return d;
}

}  // namespace kiln::ir::ops
