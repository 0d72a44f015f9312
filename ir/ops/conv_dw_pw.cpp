// conv2d_dw_pw (ir/ops/conv_dw_pw.h): the shape rule, parameters and cost are
// those of the two conv2d nodes it replaces, run one after the other.
#include "ir/ops/conv_dw_pw.h"

#include <algorithm>

#include "ir/ops/epilogue.h"
#include "ir/ops/op_helpers.h"
#include "ir/ops/scalar_activations.h"

namespace kiln::ir::ops {

namespace {

// Every attribute of `a` named prefix + name, without the prefix.
Attrs strip_prefix(const Attrs &a, const std::string &prefix) {
  Attrs out;
  for (const auto &[name, value] : a.all())
    if (name.compare(0, prefix.size(), prefix) == 0) out.set(name.substr(prefix.size()), value);
  return out;
}

TensorType depthwise_out(const DwPwConvs &c, const std::vector<TensorType> &in) {
  return get_op("conv2d").infer(c.depthwise, {in[0], in[1], in[2]})[0];
}

std::vector<TensorType> pointwise_in(const DwPwConvs &c, const std::vector<TensorType> &in) {
  std::vector<TensorType> pw = {depthwise_out(c, in), in[3], in[4]};
  if (in.size() > 5) pw.push_back(in[5]);
  return pw;
}

}  // namespace

const std::vector<std::string> &dw_carried_attrs() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n = {"kernel",  "stride",       "dilation",
                                  "padding", "padding_mode", "activation"};
    for (const AttrSpec &a : scalar_activation_attr_union()) n.push_back("activation_" + a.name);
    return n;
  }();
  return names;
}

const std::vector<std::string> &pw_carried_attrs() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n = {"filters"};
    for (const AttrSpec &a : epilogue_attrs()) n.push_back(a.name);
    return n;
  }();
  return names;
}

DwPwConvs split_dw_pw(const Attrs &fused, int64_t channels) {
  const OpDef &conv = get_op("conv2d");
  Attrs dw = strip_prefix(fused, "dw_"), pw = strip_prefix(fused, "pw_");
  dw.set("filters", channels);
  dw.set("groups", channels);
  dw.set("use_bias", int64_t{1});
  pw.set("kernel", std::vector<int64_t>{1, 1});
  pw.set("use_bias", int64_t{1});
  return {normalize_attrs(conv, dw, "the depthwise conv"),
          normalize_attrs(conv, pw, "the pointwise conv")};
}

OpDef def_conv2d();  // ir/ops/conv2d.cpp

OpDef def_conv2d_dw_pw() {
  OpDef d;
  d.name = "conv2d_dw_pw";
  d.doc = "a depthwise conv2d and the 1x1 conv2d reading it, fused (set by a pass)";
  d.internal = true;
  d.inputs = {{"x"},
              {"dw_weight", true},
              {"dw_bias", true},
              {"pw_weight", true},
              {"pw_bias", true},
              {"residual", false, true}};
  // Not get_op: the op table is being built when this runs.
  for (const AttrSpec &spec : def_conv2d().attrs) {
    const auto &dw = dw_carried_attrs(), &pw = pw_carried_attrs();
    for (const auto &[prefix, names] : {std::pair{"dw_", &dw}, std::pair{"pw_", &pw}}) {
      if (std::find(names->begin(), names->end(), spec.name) == names->end()) continue;
      AttrSpec s = spec;
      s.name = prefix + spec.name;
      s.internal = true;
      d.attrs.push_back(std::move(s));
    }
  }
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    expect_rank(in[0], 4, "the input (NCHW)");
    DwPwConvs c = split_dw_pw(a, in[0].shape[1]);
    try {
      return get_op("conv2d").infer(c.pointwise, pointwise_in(c, in));
    } catch (const UserError &e) {
      throw UserError(std::string("the pointwise conv: ") + e.what());
    }
  };
  d.params = [](const Attrs &a, const TensorType &x) {
    const int64_t c = x.rank() == 4 ? x.shape[1] : 0, f = a.get_int("pw_filters");
    const auto &k = a.get_ints("dw_kernel");
    return std::vector<ParamSpec>{
        {"dw_weight", {c, 1, k[0], k[1]}, InitKind::Weight, k[0] * k[1], k[0] * k[1]},
        {"dw_bias", {c}, InitKind::Zeros},
        {"pw_weight", {f, c, 1, 1}, InitKind::Weight, c, f},
        {"pw_bias", {f}, InitKind::Zeros}};
  };
  d.cost = [](const Attrs &a, const std::vector<TensorType> &in,
              const std::vector<TensorType> &out) {
    DwPwConvs c = split_dw_pw(a, in[0].shape[1]);
    const OpDef &conv = get_op("conv2d");
    TensorType mid = depthwise_out(c, in);
    Cost dw = conv.cost(c.depthwise, {in[0], in[1], in[2]}, {mid});
    Cost pw = conv.cost(c.pointwise, pointwise_in(c, in), out);
    return Cost{dw.macs + pw.macs, dw.flops + pw.flops};
  };
  return d;
}

}  // namespace kiln::ir::ops
