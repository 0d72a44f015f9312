#include "ir/ops/epilogue.h"

#include "ir/ops/op_helpers.h"
#include "ir/ops/scalar_activations.h"

namespace kiln::ir::ops {

namespace {

const char *const kSlots[] = {"activation", "post_activation"};

std::string string_or_none(const Attrs &a, const std::string &name) {
  return a.has(name) ? a.get_string(name) : "none";
}

// The attributes of the activation in `slot`: the layer attributes named
// <slot>_<attr>, without the prefix, checked and completed with defaults
// against the activation's OpDef.
Attrs slot_attrs(const Attrs &layer, const std::string &slot, const std::string &op) {
  const std::string prefix = slot + "_";
  Attrs given;
  for (const auto &[name, value] : layer.all())
    if (name.compare(0, prefix.size(), prefix) == 0) given.set(name.substr(prefix.size()), value);
  if (op == "none") {
    if (!given.all().empty())
      throw UserError("attribute '" + prefix + given.all().begin()->first + "' is set but " + slot +
                      " is none");
    return given;
  }
  const OpDef &def = get_op(op);
  Attrs full = normalize_attrs(def, given, slot + " " + op);
  def.infer(full, {TensorType{}});  // the activation's own attribute checks
  return full;
}

// The cost of running `op` once over `t` as a standalone node.
int64_t op_flops(const std::string &op, const TensorType &t, size_t inputs) {
  return get_op(op).cost(Attrs{}, std::vector<TensorType>(inputs, t), {t}).flops;
}

}  // namespace

bool takes_epilogue(const std::string &op) {
  const OpDef *def = find_op(op);
  if (!def) return false;
  for (const AttrSpec &a : def->attrs)
    if (a.name == "has_residual") return true;
  return false;
}

bool is_epilogue_activation(const std::string &op) {
  return find_scalar_activation(op) != nullptr;
}

void set_epilogue_activation(Attrs &layer, const std::string &slot, const std::string &op,
                             const Attrs &attrs) {
  layer.set(slot, op);
  for (const auto &[name, value] : attrs.all()) layer.set(slot + "_" + name, value);
}

std::vector<AttrSpec> epilogue_attrs() {
  std::vector<std::string> choices = {"none"};
  for (const std::string &name : scalar_activation_names()) choices.push_back(name);
  const std::vector<std::string> no_choices;
  const bool optional = true, internal = true;
  std::vector<AttrSpec> specs = {
      {"activation", AttrKind::String, std::nullopt,
       "set by fuse-epilogue: applied to the layer's output and bias (absent: none)", choices,
       optional, internal},
      {"has_residual", AttrKind::Bool, std::nullopt,
       "set by fuse-epilogue: the last input is added after `activation` (absent: false)",
       no_choices, optional, internal},
      {"post_activation", AttrKind::String, std::nullopt,
       "set by fuse-epilogue: applied after the residual add (absent: none)", choices, optional,
       internal},
  };
  for (const char *slot : kSlots)
    for (const AttrSpec &a : scalar_activation_attr_union())
      specs.push_back({std::string(slot) + "_" + a.name, a.kind, std::nullopt,
                       "set by fuse-epilogue: the " + a.name + " of `" + slot + "` (absent: " +
                           "its default)",
                       no_choices, optional, internal});
  return specs;
}

Epilogue epilogue_of(const Attrs &a) {
  Epilogue e;
  e.activation = string_or_none(a, "activation");
  e.has_residual = a.has("has_residual") && a.get_int("has_residual") != 0;
  e.post_activation = string_or_none(a, "post_activation");
  e.activation_attrs = slot_attrs(a, "activation", e.activation);
  e.post_activation_attrs = slot_attrs(a, "post_activation", e.post_activation);
  return e;
}

size_t residual_input(const Attrs &a) { return a.get_int("use_bias") ? 3 : 2; }

void check_bias_and_residual(const Attrs &a, const std::vector<TensorType> &in,
                             const Shape &bias_shape, const TensorType &out) {
  const bool bias = a.get_int("use_bias") != 0, residual = epilogue_of(a).has_residual;
  const size_t want = 2 + (bias ? 1 : 0) + (residual ? 1 : 0);
  if (bias && in.size() < 3) throw UserError("use_bias is set but no bias is given");
  if (residual && in.size() < want) throw UserError("has_residual is set but no residual is given");
  if (in.size() > want && !bias && !residual)
    throw UserError("a bias is given but use_bias is false");
  if (in.size() > want)
    throw UserError("too many inputs: " + std::to_string(in.size()) + " given, expected " +
                    std::to_string(want) + " (x, weight" + (bias ? ", bias" : "") +
                    (residual ? ", residual" : "") + ")");
  if (bias) expect_shape(in[2], bias_shape, "the bias");
  if (residual && in[residual_input(a)].shape != out.shape)
    throw UserError("the residual must have the output's shape " + shape_str(out.shape) + ", got " +
                    shape_str(in[residual_input(a)].shape));
}

int64_t epilogue_flops(const Attrs &a, const TensorType &out) {
  Epilogue e = epilogue_of(a);
  int64_t flops = 0;
  if (e.activation != "none") flops += op_flops(e.activation, out, 1);
  if (e.has_residual) flops += op_flops("add", out, 2);
  if (e.post_activation != "none") flops += op_flops(e.post_activation, out, 1);
  return flops;
}

}  // namespace kiln::ir::ops
