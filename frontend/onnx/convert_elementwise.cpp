// Add, Sub, Mul, Div (numpy broadcasting) and Sum -> kiln's broadcasting
// binary ops; folded when both inputs are constants (exporters' shape
// arithmetic). Before opset 7 these ops broadcast only with broadcast=1 and
// align the second input at `axis`.
#include "frontend/onnx/const_eval.h"
#include "frontend/onnx/convert_util.h"
#include "frontend/onnx/converters.h"

namespace kiln::frontend::onnx_import {

namespace {

const char *kiln_name(BinaryOp op) {
  switch (op) {
    case BinaryOp::Add:
      return "add";
    case BinaryOp::Sub:
      return "sub";
    case BinaryOp::Mul:
      return "mul";
    case BinaryOp::Div:
      return "div";
  }
  return "";
}

// The second input's kiln value, aligned for the legacy (opset < 7)
// broadcast: its dimensions match the first input's from `axis` on.
int legacy_aligned(NodeContext &c, int b) {
  const ir::Shape a_shape = c.shape(0), b_shape = c.shape(1);
  if (!c.attr_int("broadcast", 0)) {
    if (a_shape != b_shape)
      c.fail("shapes " + ir::shape_str(a_shape) + " and " + ir::shape_str(b_shape) +
             " differ and broadcast is 0");
    return b;
  }
  if (!c.has_attr("axis")) return b;  // suffix alignment: numpy's rule
  const int rank = static_cast<int>(a_shape.size());
  const int axis = normalize_axis(c, c.attr_int("axis"), rank, "axis");
  ir::Shape aligned = b_shape;
  while (static_cast<int>(aligned.size()) < rank - axis) aligned.push_back(1);
  return c.reshape(b, aligned, "aligned");
}

void convert_binary(NodeContext &c, BinaryOp op) {
  c.expect_attrs(c.opset() < 7 ? std::vector<std::string>{"axis", "broadcast"}
                               : std::vector<std::string>{});
  if (c.all_inputs_constant() && (c.opset() >= 7 || !c.attr_int("broadcast", 0))) {
    try {
      return c.set_constant(0, eval_binary(op, c.constant(0, "a"), c.constant(1, "b")));
    } catch (const Unsupported &) {
      throw;
    } catch (const UserError &e) {
      c.fail(e.what());
    }
  }
  c.expect_float(0);
  c.expect_float(1);
  int a = c.value(0), b = c.value(1);
  if (c.opset() < 7) b = legacy_aligned(c, b);
  c.set_output(0, c.emit(kiln_name(op), {a, b}));
}

void convert_add(NodeContext &c) { convert_binary(c, BinaryOp::Add); }
void convert_sub(NodeContext &c) { convert_binary(c, BinaryOp::Sub); }
void convert_mul(NodeContext &c) { convert_binary(c, BinaryOp::Mul); }
void convert_div(NodeContext &c) { convert_binary(c, BinaryOp::Div); }

void convert_sum(NodeContext &c) {
  c.expect_attrs({});
  if (c.num_inputs() == 0) c.fail("Sum needs at least one input");
  if (c.all_inputs_constant()) {
    ConstTensor acc = c.constant(0, "input 0");
    for (size_t k = 1; k < c.num_inputs(); k++)
      acc = eval_binary(BinaryOp::Add, acc, c.constant(k, "an input"));
    return c.set_constant(0, acc);
  }
  for (size_t k = 0; k < c.num_inputs(); k++) c.expect_float(k);
  int acc = c.value(0);
  for (size_t k = 1; k < c.num_inputs(); k++) {
    bool last = k + 1 == c.num_inputs();
    acc = c.emit("add", {acc, c.value(k)}, {}, last ? "" : "sum" + std::to_string(k));
  }
  c.set_output(0, acc);
}

}  // namespace

void add_elementwise_converters(ConverterTable &table) {
  table["Add"] = convert_add;
  table["Sub"] = convert_sub;
  table["Mul"] = convert_mul;
  table["Div"] = convert_div;
  table["Sum"] = convert_sum;
}

}  // namespace kiln::frontend::onnx_import
