// LSTM, GRU and RNN -> kiln lstm, gru and rnn (ir/ops/recurrent.h): one
// forward direction, zero initial state, the default activations. ONNX's
// weights W [1, G*H, I], R [1, G*H, H] and B [1, 2*G*H] become kiln's
// weight_ih, weight_hh, bias_ih and bias_hh with the gate blocks reordered
// to PyTorch's order (LSTM i,o,f,c -> i,f,g,o; GRU z,r,h -> r,z,n).
#include <algorithm>

#include "frontend/onnx/converters.h"
#include "ir/op.h"

namespace kiln::frontend::onnx_import {

namespace {

struct RecurrentKind {
  const char *kiln_op;
  int64_t gates;
  std::vector<int> onnx_block;  // kiln gate k is ONNX gate onnx_block[k]
  std::vector<std::string> default_activations;
};

// The row blocks of a [G*H, cols] matrix (or [G*H] vector) in kiln's order.
std::vector<float> reorder(const std::vector<float> &onnx, const RecurrentKind &kind, int64_t h,
                           int64_t cols) {
  std::vector<float> out(onnx.size());
  const int64_t block = h * cols;
  for (int64_t g = 0; g < kind.gates; g++)
    std::copy(onnx.begin() + kind.onnx_block[g] * block,
              onnx.begin() + (kind.onnx_block[g] + 1) * block, out.begin() + g * block);
  return out;
}

void check_absent_or_zero(NodeContext &c, size_t k, const std::string &what) {
  if (!c.has_input(k)) return;
  const ConstTensor &t = c.constant(k, what);
  for (int64_t i = 0; i < t.numel(); i++)
    if (t.as_double(i) != 0) c.unsupported("a nonzero " + what + " (kiln's state starts at 0)");
}

void convert_recurrent(NodeContext &c, const RecurrentKind &kind) {
  std::vector<std::string> known = {"activation_alpha", "activation_beta", "activations", "clip",
                                    "direction",        "hidden_size",     "layout"};
  if (std::string(kind.kiln_op) == "lstm") known.push_back("input_forget");
  if (std::string(kind.kiln_op) == "gru") known.push_back("linear_before_reset");
  c.expect_attrs(known);
  if (!ir::find_op(kind.kiln_op))
    c.unsupported(std::string("kiln has no ") + kind.kiln_op + " op yet");
  if (c.attr_string("direction", std::string("forward")) != "forward")
    c.unsupported("direction \"" + c.attr_string("direction") + "\" (kiln runs forward only)");
  if (c.has_attr("clip")) c.unsupported("clip (kiln's cells do not clip)");
  if (c.attr_int("input_forget", 0)) c.unsupported("input_forget = 1");
  std::string nonlinearity = "tanh";
  if (c.has_attr("activations")) {
    std::vector<std::string> acts;
    for (const auto &s : c.node().attribute())
      if (s.name() == "activations")
        for (const auto &a : s.strings()) acts.push_back(a);
    if (std::string(kind.kiln_op) == "rnn" && acts.size() == 1 &&
        (acts[0] == "Relu" || acts[0] == "Tanh"))
      nonlinearity = acts[0] == "Relu" ? "relu" : "tanh";
    else if (acts != kind.default_activations)
      c.unsupported("activations other than the defaults");
  }
  if (c.has_attr("activation_alpha") || c.has_attr("activation_beta"))
    c.unsupported("activation_alpha and activation_beta");
  c.expect_float(0);
  // layout 1 (opset 14) is batch-major: X [N, T, I], Y [N, T, 1, H], Y_h [N, 1, H].
  const bool batch_major = c.attr_int("layout", 0) != 0;
  if (batch_major && !ir::find_op("permute")) c.unsupported("layout = 1 (batch-major)");
  ir::Shape x = c.shape(0);
  if (x.size() != 3)
    c.fail(
        "X must be [seq_length, batch, input_size] (layout 0) or [batch, seq_length, input_size] "
        "(layout 1)");
  if (batch_major) std::swap(x[0], x[1]);
  const int64_t hidden = c.attr_int("hidden_size"), g = kind.gates, in = x[2];
  const ConstTensor &w = c.constant(1, "the weight W"), &r = c.constant(2, "the weight R");
  if (w.shape != ir::Shape{1, g * hidden, in} || r.shape != ir::Shape{1, g * hidden, hidden})
    c.fail("W and R must be [1, " + std::to_string(g * hidden) + ", " + std::to_string(in) +
           "] and [1, " + std::to_string(g * hidden) + ", " + std::to_string(hidden) + "]");
  if (c.has_input(4)) {
    const ConstTensor &lens = c.constant(4, "sequence_lens");
    for (int64_t i = 0; i < lens.numel(); i++)
      if (lens.as_int(i) != x[0]) c.unsupported("sequences shorter than seq_length");
  }
  check_absent_or_zero(c, 5, "initial_h");
  if (std::string(kind.kiln_op) == "lstm") {
    check_absent_or_zero(c, 6, "initial_c");
    if (c.output_used(2)) c.unsupported("the last cell state Y_c");
  }

  ir::Attrs swap_01;
  swap_01.set("perm", std::vector<int64_t>{1, 0, 2});
  const int sequence =
      batch_major ? c.emit("permute", {c.value(0)}, swap_01, "time_major") : c.value(0);
  std::vector<int> inputs = {
      sequence, c.add_param("weight_ih", {g * hidden, in}, reorder(w.floats(), kind, hidden, in)),
      c.add_param("weight_hh", {g * hidden, hidden}, reorder(r.floats(), kind, hidden, hidden))};
  if (c.has_input(3)) {
    const ConstTensor &b = c.constant(3, "the bias B");
    if (b.shape != ir::Shape{1, 2 * g * hidden})
      c.fail("B must be [1, " + std::to_string(2 * g * hidden) + "]");
    std::vector<float> all = b.floats();
    std::vector<float> wb(all.begin(), all.begin() + g * hidden),
        rb(all.begin() + g * hidden, all.end());
    inputs.push_back(c.add_param("bias_ih", {g * hidden}, reorder(wb, kind, hidden, 1)));
    inputs.push_back(c.add_param("bias_hh", {g * hidden}, reorder(rb, kind, hidden, 1)));
  }
  if (c.has_input(7)) {  // ONNX's P [1, 3H] is p_i, p_o, p_f; kiln's p_i, p_f, p_o
    const ConstTensor &peep = c.constant(7, "the peephole weights P");
    if (peep.shape != ir::Shape{1, 3 * hidden})
      c.fail("P must be [1, " + std::to_string(3 * hidden) + "]");
    static const RecurrentKind order{"lstm", 3, {0, 2, 1}, {}};
    inputs.push_back(
        c.add_param("peephole", {3 * hidden}, reorder(peep.floats(), order, hidden, 1)));
  }
  ir::Attrs a;
  a.set("hidden_size", hidden);
  if (c.has_input(7)) a.set("peepholes", int64_t{1});
  a.set("use_bias", int64_t{c.has_input(3)});
  if (std::string(kind.kiln_op) == "rnn") a.set("nonlinearity", nonlinearity);
  if (std::string(kind.kiln_op) == "gru")  // ONNX's default 0: n = tanh(.. + R_n (r * h) + ..)
    a.set("linear_before_reset", int64_t{c.attr_int("linear_before_reset", 0) != 0});
  const int64_t t = x[0], n = x[1];
  int seq = c.emit(kind.kiln_op, inputs, a, kind.kiln_op);  // [T, N, H]
  if (c.output_used(0) || c.num_outputs() == 1) {
    if (batch_major)
      c.set_output(
          0, c.reshape(c.emit("permute", {seq}, swap_01, "batch_major"), {n, t, 1, hidden}, ""));
    else
      c.set_output(0, c.reshape(seq, {t, 1, n, hidden}, ""));
  }
  if (c.output_used(1)) {
    ir::Attrs s;
    s.set("axis", int64_t{0});
    s.set("start", t - 1);
    s.set("length", int64_t{1});
    int last = t == 1 ? seq : c.emit("slice", {seq}, s, "last");
    c.set_output(
        1, c.reshape(last, batch_major ? ir::Shape{n, 1, hidden} : ir::Shape{1, n, hidden}, "y_h"));
  }
}

void convert_lstm(NodeContext &c) {
  static const RecurrentKind kind{"lstm", 4, {0, 2, 3, 1}, {"Sigmoid", "Tanh", "Tanh"}};
  convert_recurrent(c, kind);
}

void convert_gru(NodeContext &c) {
  static const RecurrentKind kind{"gru", 3, {1, 0, 2}, {"Sigmoid", "Tanh"}};
  convert_recurrent(c, kind);
}

void convert_rnn(NodeContext &c) {
  static const RecurrentKind kind{"rnn", 1, {0}, {"Tanh"}};
  convert_recurrent(c, kind);
}

}  // namespace

void add_recurrent_converters(ConverterTable &table) {
  table["LSTM"] = convert_lstm;
  table["GRU"] = convert_gru;
  table["RNN"] = convert_rnn;
}

}  // namespace kiln::frontend::onnx_import
