// fused_elementwise: a chain or small DAG of elementwise ops in one kernel,
// made by the fuse-elementwise pass; its program (ir/ops/fused_elementwise.h)
// is an internal attribute, so the JSON spec cannot name it.
#include "ir/ops/fused_elementwise.h"

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <sstream>

#include "ir/ops/epilogue.h"
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

namespace {

std::string trim(const std::string &s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string &s, char sep) {
  std::vector<std::string> parts;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, sep);) parts.push_back(trim(part));
  if (!s.empty() && s.back() == sep) parts.push_back("");
  return parts;
}

size_t arity(const std::string &op) {
  StepKind kind;
  if (binary_step_kind(op, &kind)) return 2;
  if (op == "scale_shift") return 3;
  return is_elementwise_activation(op) ? 1 : 0;
}

// The shortest text that reads back as the same double.
std::string number_str(const AttrValue &v) {
  if (auto i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, std::get<double>(v));
  return std::string(buf, r.ptr);
}

// "alpha=0.1,beta=2" of an activation step; checked and completed with the
// op's defaults.
Attrs parse_attrs(const std::string &text, const std::string &op, const std::string &where) {
  Attrs given;
  for (const std::string &item : split(text, ',')) {
    size_t eq = item.find('=');
    std::string name = trim(item.substr(0, eq)),
                value = eq == std::string::npos ? "" : trim(item.substr(eq + 1));
    char *end = nullptr;
    double v = std::strtod(value.c_str(), &end);
    if (name.empty() || value.empty() || *end != '\0')
      throw UserError(where + ": attribute '" + item + "' is not name=number");
    given.set(name, v);
  }
  const OpDef &def = get_op(op);
  Attrs full = normalize_attrs(def, given, where);
  try {
    def.infer(full, {TensorType{}});  // the activation's own attribute checks
  } catch (const UserError &e) {
    throw UserError(where + ": " + e.what());
  }
  return full;
}

// "x3" or "t0"; `where` names the step for errors.
Operand parse_operand(const std::string &text, size_t num_inputs, size_t step,
                      const std::string &where) {
  bool digits = text.size() >= 2 && text.size() <= 7;
  for (size_t k = 1; k < text.size(); k++)
    digits = digits && std::isdigit(static_cast<unsigned char>(text[k]));
  if (!digits || (text[0] != 'x' && text[0] != 't'))
    throw UserError(where + ": operand '" + text + "' is neither an input xK nor a step tK");
  Operand o{text[0] == 't', std::stoi(text.substr(1))};
  size_t limit = o.is_step ? step : num_inputs;
  if (static_cast<size_t>(o.index) >= limit)
    throw UserError(where + ": operand '" + text + "' refers to " +
                    (o.is_step ? "a step that is not computed yet" : "a missing input") + " (" +
                    std::to_string(num_inputs) + " inputs)");
  return o;
}

ElementwiseStep parse_step(const std::string &text, size_t num_inputs, size_t index) {
  const std::string where = "program step " + std::to_string(index) + " '" + text + "'";
  size_t open = text.find('(');
  if (open == std::string::npos || text.empty() || text.back() != ')')
    throw UserError(where + ": expected op(operand, ...)");
  ElementwiseStep step;
  std::string head = trim(text.substr(0, open)), attrs;
  size_t bracket = head.find('[');
  if (bracket != std::string::npos) {
    if (head.back() != ']')
      throw UserError(where + ": expected op[name=number, ...](operand, ...)");
    attrs = head.substr(bracket + 1, head.size() - bracket - 2);
    head = trim(head.substr(0, bracket));
  }
  step.op = head;
  size_t want = arity(step.op);
  if (want == 0)
    throw UserError(where + ": '" + step.op +
                    "' is not an elementwise step (add, sub, mul, div, scale_shift or a scalar "
                    "activation)");
  if (step.kind() == StepKind::Activation) {
    step.attrs = parse_attrs(attrs, step.op, where);
  } else if (bracket != std::string::npos) {
    throw UserError(where + ": " + step.op + " takes no attributes");
  }
  for (const std::string &arg : split(text.substr(open + 1, text.size() - open - 2), ','))
    step.operands.push_back(parse_operand(arg, num_inputs, index, where));
  if (step.operands.size() != want)
    throw UserError(where + ": " + step.op + " takes " + std::to_string(want) + " operands, got " +
                    std::to_string(step.operands.size()));
  if (step.kind() == StepKind::ScaleShift && (step.operands[1].is_step || step.operands[2].is_step))
    throw UserError(where + ": the scale and shift of scale_shift must be inputs");
  return step;
}

// Which inputs are read per channel (true), as whole tensors (false), or
// not at all (absent); UserError when an input is read both ways.
std::vector<int> input_uses(const ElementwiseProgram &p, size_t num_inputs) {
  std::vector<int> use(num_inputs, -1);
  for (const ElementwiseStep &s : p.steps)
    for (size_t k = 0; k < s.operands.size(); k++) {
      if (s.operands[k].is_step) continue;
      int per_channel = s.kind() == StepKind::ScaleShift && k > 0;
      int &u = use[s.operands[k].index];
      if (u >= 0 && u != per_channel)
        throw UserError("input x" + std::to_string(s.operands[k].index) +
                        " is read both per channel and as a whole tensor");
      u = per_channel;
    }
  return use;
}

}  // namespace

StepKind ElementwiseStep::kind() const {
  StepKind kind = StepKind::Activation;
  if (binary_step_kind(op, &kind)) return kind;
  return op == "scale_shift" ? StepKind::ScaleShift : StepKind::Activation;
}

bool is_elementwise_activation(const std::string &op) { return is_epilogue_activation(op); }

bool binary_step_kind(const std::string &op, StepKind *kind) {
  static const std::pair<const char *, StepKind> kBinary[] = {{"add", StepKind::Add},
                                                              {"sub", StepKind::Sub},
                                                              {"mul", StepKind::Mul},
                                                              {"div", StepKind::Div}};
  for (const auto &[name, k] : kBinary)
    if (op == name) return *kind = k, true;
  return false;
}

bool is_elementwise(const Node &node) {
  StepKind kind;
  return node.op == "fused_elementwise" || node.op == "scale_channels" ||
         binary_step_kind(node.op, &kind) || is_elementwise_activation(node.op);
}

ElementwiseProgram parse_program(const std::string &text, size_t num_inputs) {
  ElementwiseProgram p;
  if (trim(text).empty()) throw UserError("the program has no steps");
  for (const std::string &step : split(text, ';'))
    p.steps.push_back(parse_step(step, num_inputs, p.steps.size()));
  std::vector<int> use = input_uses(p, num_inputs);
  for (size_t k = 0; k < num_inputs; k++)
    if (use[k] < 0) throw UserError("input x" + std::to_string(k) + " is read by no step");
  return p;
}

std::string print_program(const ElementwiseProgram &p) {
  std::string s;
  for (const ElementwiseStep &step : p.steps) {
    s += (s.empty() ? "" : "; ") + step.op;
    if (!step.attrs.all().empty()) {
      std::string list;
      for (const auto &[name, value] : step.attrs.all())
        list += (list.empty() ? "" : ",") + name + "=" + number_str(value);
      s += "[" + list + "]";
    }
    s += "(";
    for (size_t k = 0; k < step.operands.size(); k++)
      s += (k ? "," : "") + std::string(step.operands[k].is_step ? "t" : "x") +
           std::to_string(step.operands[k].index);
    s += ")";
  }
  return s;
}

std::vector<bool> per_channel_inputs(const ElementwiseProgram &p, size_t num_inputs) {
  std::vector<int> use = input_uses(p, num_inputs);
  return std::vector<bool>(use.begin(), use.end());
}

int64_t step_flops(const ElementwiseStep &step, const TensorType &out) {
  switch (step.kind()) {
    case StepKind::ScaleShift:
      return 2 * out.numel();  // a multiply and an add
    case StepKind::Activation:
      return get_op(step.op).cost(step.attrs, {out}, {out}).flops;
    default:
      return get_op(step.op).cost(Attrs{}, {out, out}, {out}).flops;
  }
}

OpDef def_fused_elementwise() {
  OpDef d;
  d.name = "fused_elementwise";
  d.doc = "elementwise steps in one kernel (made by fuse-elementwise)";
  d.inputs = {{"x", false, false, true}};
  d.attrs = {{"program",
              AttrKind::String,
              std::nullopt,
              "set by fuse-elementwise: the steps, e.g. \"add(x0,x1); relu(t0)\"",
              {},
              false,
              true}};
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    std::vector<bool> per_channel =
        per_channel_inputs(parse_program(a.get_string("program"), in.size()), in.size());
    size_t first = 0;
    while (first < in.size() && per_channel[first]) first++;
    if (first == in.size()) throw UserError("no input has the output's shape");
    const TensorType out = in[first];
    for (size_t k = 0; k < in.size(); k++) {
      const std::string what = "input x" + std::to_string(k);
      if (!per_channel[k]) {
        expect_shape(in[k], out.shape, what);
        continue;
      }
      if (out.rank() < 2)
        throw UserError(what + " is per channel but the output has no channel axis");
      expect_shape(in[k], {out.shape[1]}, what);
    }
    return std::vector<TensorType>{out};
  };
  d.cost = [](const Attrs &a, const std::vector<TensorType> &in,
              const std::vector<TensorType> &out) {
    Cost c;
    for (const ElementwiseStep &s : parse_program(a.get_string("program"), in.size()).steps)
      c.flops += step_flops(s, out.at(0));
    return c;
  };
  return d;
}

}  // namespace kiln::ir::ops
