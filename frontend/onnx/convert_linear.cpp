// Gemm and MatMul -> kiln dense (y = x W^T + b, W: [units, features]).
// A constant B becomes the dense weight, transposed (and scaled by alpha) at
// import; a B computed at run time goes through kiln's 2-D transpose. MatMul
// with a matrix B flattens A's leading dimensions into rows; a batched B
// (rank > 2) is kiln's matmul.
#include "frontend/onnx/const_eval.h"
#include "frontend/onnx/converters.h"
#include "ir/op.h"

namespace kiln::frontend::onnx_import {

namespace {

// B as a dense weight [N, K]: from a constant (transposed unless
// `b_is_nk`, scaled by `scale`) or from a run-time value.
int dense_weight(NodeContext &c, size_t k, bool b_is_nk, double scale) {
  if (c.is_constant(k)) {
    ConstTensor b = c.constant(k, "B");
    if (!b_is_nk) b = eval_transpose(b, {1, 0});
    std::vector<float> data = b.floats();
    if (scale != 1)
      for (float &v : data) v = static_cast<float>(v * scale);
    return c.add_param("weight", b.shape, std::move(data));
  }
  int w = c.value(k);
  if (!b_is_nk) w = c.emit("transpose", {w}, {}, "weight");
  if (scale != 1) {
    int s = c.add_param("alpha", {1}, {static_cast<float>(scale)});
    w = c.emit("mul", {w, s}, {}, "scaled_weight");
  }
  return w;
}

// Gemm's C as a dense bias [N] when it is a constant that broadcasts along
// the rows (shape [], [1], [N] or [1, N]); -1 otherwise.
int dense_bias(NodeContext &c, int64_t units, double beta) {
  if (!c.has_input(2) || !c.is_constant(2)) return -1;
  const ConstTensor &t = c.constant(2, "C");
  const ir::Shape &s = t.shape;
  bool row = s.empty() || (s.size() == 1 && (s[0] == 1 || s[0] == units)) ||
             (s.size() == 2 && s[0] == 1 && (s[1] == 1 || s[1] == units));
  if (!row) return -1;
  std::vector<float> bias(units);
  for (int64_t k = 0; k < units; k++)
    bias[k] = static_cast<float>(beta * t.as_double(t.numel() == 1 ? 0 : k));
  return c.add_param("bias", {units}, std::move(bias));
}

void convert_gemm(NodeContext &c) {
  c.expect_attrs(c.opset() < 7
                     ? std::vector<std::string>{"alpha", "beta", "broadcast", "transA", "transB"}
                     : std::vector<std::string>{"alpha", "beta", "transA", "transB"});
  for (size_t k = 0; k < c.num_inputs(); k++) c.expect_float(k);
  const double alpha = c.attr_float("alpha", 1.0), beta = c.attr_float("beta", 1.0);
  const bool trans_a = c.attr_int("transA", 0), trans_b = c.attr_int("transB", 0);
  const ir::Shape a_shape = c.shape(0), b_shape = c.shape(1);
  if (a_shape.size() != 2 || b_shape.size() != 2) c.fail("A and B must be matrices");
  const int64_t units = trans_b ? b_shape[0] : b_shape[1];

  int x = c.value(0);
  if (trans_a) x = c.emit("transpose", {x}, {}, "a");
  int w = dense_weight(c, 1, trans_b, alpha);
  const bool has_c = c.has_input(2) && beta != 0;
  int bias = has_c ? dense_bias(c, units, beta) : -1;
  ir::Attrs a;
  a.set("units", units);
  a.set("use_bias", int64_t{bias >= 0});
  std::vector<int> inputs = {x, w};
  if (bias >= 0) inputs.push_back(bias);
  const bool add_c = has_c && bias < 0;
  int y = c.emit("dense", inputs, a, add_c ? "dense" : "");
  if (add_c) {
    // A C that is not a row vector (or is computed at run time) is added.
    int cv = c.value(2);
    if (beta != 1) {
      int s = c.add_param("beta", {1}, {static_cast<float>(beta)});
      cv = c.emit("mul", {cv, s}, {}, "c");
    }
    y = c.emit("add", {y, cv});
  }
  c.set_output(0, y);
}

// B of rank > 2: kiln matmul, batch dimensions broadcast (a 1-D A is a row
// [1, K], dropped again from the output).
void convert_batched_matmul(NodeContext &c, const ir::Shape &a_shape, const ir::Shape &b_shape) {
  if (!ir::find_op("matmul")) c.unsupported("a batched MatMul (kiln has no matmul op yet)");
  int a = c.value(0);
  if (a_shape.size() == 1) a = c.reshape(a, {1, a_shape[0]}, "row");
  int y = c.emit("matmul", {a, c.value(1)}, {}, a_shape.size() == 1 ? "matmul" : "");
  if (a_shape.size() == 1) {
    ir::Shape out = c.graph().value(y).type.shape;
    out.erase(out.end() - 2);
    y = c.reshape(y, out, "");
  }
  c.set_output(0, y);
}

void convert_matmul(NodeContext &c) {
  c.expect_attrs({});
  c.expect_float(0);
  c.expect_float(1);
  const ir::Shape a_shape = c.shape(0), b_shape = c.shape(1);
  if (a_shape.empty() || b_shape.empty()) c.fail("MatMul's inputs must not be scalars");
  if (b_shape.size() > 2) return convert_batched_matmul(c, a_shape, b_shape);
  const int64_t k = a_shape.back();
  const bool b_vector = b_shape.size() == 1;
  const int64_t units = b_vector ? 1 : b_shape[1];
  if ((b_vector ? b_shape[0] : b_shape[0]) != k)
    c.fail("shapes " + ir::shape_str(a_shape) + " and " + ir::shape_str(b_shape) +
           " do not multiply");
  int64_t rows = 1;
  for (size_t d = 0; d + 1 < a_shape.size(); d++) rows *= a_shape[d];

  int x = c.reshape(c.value(0), {rows, k}, "rows");
  int w;
  if (b_vector) {
    w = c.is_constant(1) ? c.add_param("weight", {1, k}, c.constant(1, "B").floats())
                         : c.reshape(c.value(1), {1, k}, "weight");
  } else {
    w = dense_weight(c, 1, false, 1.0);
  }
  ir::Attrs a;
  a.set("units", units);
  a.set("use_bias", int64_t{0});
  ir::Shape out(a_shape.begin(), a_shape.end() - 1);
  if (!b_vector) out.push_back(units);
  const bool reshaped = out != ir::Shape{rows, units};
  int y = c.emit("dense", {x, w}, a, reshaped ? "dense" : "");
  c.set_output(0, c.reshape(y, out, ""));
}

}  // namespace

void add_linear_converters(ConverterTable &table) {
  table["Gemm"] = convert_gemm;
  table["MatMul"] = convert_matmul;
}

}  // namespace kiln::frontend::onnx_import
