// Elementwise activations -> kiln's scalar activations (ir/ops/
// scalar_activations.h), with ONNX's attribute defaults; Clip (bounds as
// attributes before opset 11, as constant inputs from 11; [0, 6] becomes
// relu6); PRelu -> kiln prelu.
#include <cmath>
#include <limits>

#include "frontend/onnx/converters.h"
#include "ir/op.h"

namespace kiln::frontend::onnx_import {

namespace {

// One ONNX attribute copied to a kiln attribute, with ONNX's default.
struct AttrMap {
  const char *onnx, *kiln;
  double fallback;
};

void convert_activation(NodeContext &c, const std::string &kiln_op,
                        const std::vector<AttrMap> &attrs) {
  std::vector<std::string> known;
  for (const AttrMap &m : attrs) known.push_back(m.onnx);
  c.expect_attrs(known);
  if (!ir::find_op(kiln_op)) c.unsupported("kiln has no " + kiln_op + " op yet");
  c.expect_float(0);
  ir::Attrs a;
  for (const AttrMap &m : attrs) a.set(m.kiln, c.attr_float(m.onnx, m.fallback));
  c.set_output(0, c.emit(kiln_op, {c.value(0)}, a));
}

template <const char *Op>
void simple(NodeContext &c) {
  convert_activation(c, Op, {});
}

constexpr char kRelu[] = "relu", kSigmoid[] = "sigmoid", kTanh[] = "tanh", kSoftsign[] = "softsign",
               kHardSwish[] = "hard_swish";

void convert_leaky_relu(NodeContext &c) {
  convert_activation(c, "leaky_relu", {{"alpha", "alpha", 0.01}});
}

void convert_elu(NodeContext &c) { convert_activation(c, "elu", {{"alpha", "alpha", 1.0}}); }

void convert_selu(NodeContext &c) {
  // ONNX's defaults are these float32 values of the SELU constants.
  convert_activation(c, "selu",
                     {{"alpha", "alpha", 1.67326319217681884765625},
                      {"gamma", "gamma", 1.05070102214813232421875}});
}

void convert_hard_sigmoid(NodeContext &c) {
  convert_activation(c, "hard_sigmoid", {{"alpha", "alpha", 0.2}, {"beta", "beta", 0.5}});
}

void convert_softplus(NodeContext &c) {
  // ONNX's softplus is log(1 + exp(x)): kiln's with beta 1 (kiln switches to
  // x above the threshold 20, where the two differ by less than 3e-9).
  convert_activation(c, "softplus", {});
}

// The bound of input k (opset 11+), or none.
std::optional<double> clip_bound(NodeContext &c, size_t k, const char *what) {
  if (!c.has_input(k)) return std::nullopt;
  const ConstTensor &t = c.constant(k, std::string("Clip's ") + what);
  if (t.numel() != 1) c.fail(std::string("Clip's ") + what + " must be a scalar");
  return t.as_double(0);
}

void convert_clip(NodeContext &c) {
  std::optional<double> lo, hi;
  if (c.opset() < 11) {
    c.expect_attrs({"min", "max"});
    if (c.has_attr("min")) lo = c.attr_float("min");
    if (c.has_attr("max")) hi = c.attr_float("max");
  } else {
    c.expect_attrs({});
    lo = clip_bound(c, 1, "min");
    hi = clip_bound(c, 2, "max");
  }
  c.expect_float(0);
  // Infinite bounds are no bounds (exporters write float32's limits).
  if (lo && (std::isinf(*lo) || *lo <= -std::numeric_limits<float>::max())) lo.reset();
  if (hi && (std::isinf(*hi) || *hi >= std::numeric_limits<float>::max())) hi.reset();
  if (!lo && !hi) return c.set_output(0, c.value(0));
  if (lo && hi && *lo == 0 && *hi == 6) return c.set_output(0, c.emit("relu6", {c.value(0)}));
  if (lo && !hi && *lo == 0) return c.set_output(0, c.emit("relu", {c.value(0)}));
  ir::Attrs a;
  if (lo) a.set("min", *lo);
  if (hi) a.set("max", *hi);
  c.set_output(0, c.emit("clip", {c.value(0)}, a));
}

void convert_prelu(NodeContext &c) {
  c.expect_attrs({});
  c.expect_float(0);
  c.expect_float(1);
  ir::Shape x = c.shape(0), slope = c.shape(1);
  int s = c.value(1);
  // Before opset 7 a 1-D slope of C values applies per channel (axis 1).
  if (c.opset() < 7 && slope.size() == 1 && x.size() > 2 && slope[0] == x[1] && slope[0] != 1) {
    ir::Shape per_channel(x.size() - 1, 1);
    per_channel[0] = slope[0];
    s = c.reshape(s, per_channel, "slope");
  }
  c.set_output(0, c.emit("prelu", {c.value(0), s}));
}

}  // namespace

void add_activation_converters(ConverterTable &table) {
  table["Relu"] = simple<kRelu>;
  table["Sigmoid"] = simple<kSigmoid>;
  table["Tanh"] = simple<kTanh>;
  table["Softsign"] = simple<kSoftsign>;
  table["HardSwish"] = simple<kHardSwish>;
  table["LeakyRelu"] = convert_leaky_relu;
  table["Elu"] = convert_elu;
  table["Selu"] = convert_selu;
  table["HardSigmoid"] = convert_hard_sigmoid;
  table["Softplus"] = convert_softplus;
  table["Clip"] = convert_clip;
  table["PRelu"] = convert_prelu;
}

}  // namespace kiln::frontend::onnx_import
