// dense: y = x W^T + b over [batch, features]. weight: [units, features];
// then the fused epilogue's residual, when there is one (ir/ops/epilogue.h).
#include "ir/grads/grad_rules.h"
#include "ir/ops/epilogue.h"
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef def_dense() {
  OpDef d;
  d.name = "dense";
  d.doc = "fully connected layer";
  d.takes_activation = true;
  d.inputs = {{"x"}, {"weight", true}, {"bias", true, true}, {"residual", false, true}};
  d.attrs = {
      {"units", AttrKind::Int, std::nullopt, "output features"},
      {"use_bias", AttrKind::Bool, int64_t{1}, "add a bias per output feature"},
  };
  for (AttrSpec &spec : epilogue_attrs()) d.attrs.push_back(std::move(spec));
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    const TensorType &x = in[0];
    if (x.rank() != 2)
      throw UserError("the input must be 2-D [batch, features], got " + shape_str(x.shape) +
                      " (add a flatten layer before it)");
    int64_t units = a.get_int("units");
    if (units <= 0) throw UserError("units must be positive");
    expect_shape(in[1], {units, x.shape[1]}, "the weight");
    TensorType out{DType::F32, {x.shape[0], units}};
    check_bias_and_residual(a, in, {units}, out);
    return std::vector<TensorType>{out};
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
    c.flops = 2 * c.macs + (a.get_int("use_bias") ? out[0].numel() : 0) +
              epilogue_flops(a, out[0]);
    return c;
  };
  d.grad = grads::grad_dense;
  return d;
}

}  // namespace kiln::ir::ops
