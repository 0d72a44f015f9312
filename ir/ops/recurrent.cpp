// rnn, lstm and gru: recurrent layers over a [T, N, I] sequence, unrolled
// over time with shared weights (ir/ops/recurrent.h has the formulas).
#include "ir/ops/recurrent.h"

#include "ir/grads/grad_rules.h"
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

namespace {

// Elementwise flops per hidden unit and step, beyond the matrix products
// and the bias adds: sigmoid and tanh count 4, as the standalone ops do.
int64_t cell_flops(const std::string &op) {
  if (op == "lstm") return 3 * 4 + 2 * 4 + 3 + 1;  // 3 sigmoids, 2 tanh, c' and h'
  if (op == "gru") return 2 * 4 + 4 + 1 + 1 + 3;   // 2 sigmoids, tanh, r*(.), +, h'
  return 4;                                        // the activation
}

void check_weight(const TensorType &t, const Shape &want, const std::string &name,
                  const std::string &rows, const TensorType &x) {
  if (t.shape != want)
    throw UserError(name + " must have shape " + shape_str(want) + " (" + rows +
                    ") for the input " + shape_str(x.shape) + ", got " + shape_str(t.shape));
}

OpDef recurrent(const std::string &name, const std::string &doc) {
  OpDef d;
  d.name = name;
  d.doc = doc;
  d.inputs = {{"x"},
              {"weight_ih", true},
              {"weight_hh", true},
              {"bias_ih", true, true},
              {"bias_hh", true, true}};
  d.attrs = {
      {"hidden_size", AttrKind::Int, std::nullopt, "features of the hidden state"},
      {"return_sequences", AttrKind::Bool, int64_t{1},
       "output every step's hidden state [T, N, H] (true) or the last one [N, H] (false)"},
      {"use_bias", AttrKind::Bool, int64_t{1}, "add the biases bias_ih and bias_hh"},
  };
  d.infer = [name](const Attrs &a, const std::vector<TensorType> &in) {
    const TensorType &x = in[0];
    if (x.rank() != 3)
      throw UserError("the input must be [time, batch, features] (rank 3), got " +
                      shape_str(x.shape));
    const int64_t H = a.get_int("hidden_size"), G = recurrent_gates(name);
    if (H <= 0) throw UserError("hidden_size must be positive");
    const std::string rows = std::to_string(G) + " * hidden_size rows";
    check_weight(in[1], {G * H, x.shape[2]}, "weight_ih", rows + ", input features", x);
    check_weight(in[2], {G * H, H}, "weight_hh", rows + ", hidden_size", x);
    const bool peep = has_peepholes(a);
    const size_t want = (a.get_int("use_bias") ? 5 : 3) + (peep ? 1 : 0);
    if (in.size() != want)
      throw UserError(std::string("use_bias is ") + (a.get_int("use_bias") ? "true" : "false") +
                      (peep ? " and peepholes true" : "") + ", so the layer takes " +
                      std::to_string(want) + " inputs, got " + std::to_string(in.size()));
    if (a.get_int("use_bias")) {
      check_weight(in[3], {G * H}, "bias_ih", rows, x);
      check_weight(in[4], {G * H}, "bias_hh", rows, x);
    }
    if (peep) check_weight(in.back(), {3 * H}, "peephole", "3 * hidden_size: i, f, o", x);
    Shape out =
        a.get_int("return_sequences") ? Shape{x.shape[0], x.shape[1], H} : Shape{x.shape[1], H};
    return std::vector<TensorType>{{DType::F32, out}};
  };
  // Keras's fans for its kernel and recurrent kernel (Keras initializes the
  // latter orthogonally, which kiln does not).
  d.params = [name](const Attrs &a, const TensorType &x) {
    const int64_t H = a.get_int("hidden_size"), G = recurrent_gates(name);
    const int64_t I = x.rank() == 3 ? x.shape[2] : 0;
    std::vector<ParamSpec> p = {{"weight_ih", {G * H, I}, InitKind::Weight, I, G * H},
                                {"weight_hh", {G * H, H}, InitKind::Weight, H, G * H}};
    if (a.get_int("use_bias")) {
      p.push_back({"bias_ih", {G * H}, InitKind::Zeros});
      p.push_back({"bias_hh", {G * H}, InitKind::Zeros});
    }
    if (has_peepholes(a)) p.push_back({"peephole", {3 * H}, InitKind::Zeros});
    return p;
  };
  d.cost = [name](const Attrs &a, const std::vector<TensorType> &in,
                  const std::vector<TensorType> &) {
    const Shape &x = in[0].shape;
    const int64_t H = a.get_int("hidden_size"), G = recurrent_gates(name);
    const int64_t steps = x[0] * x[1];  // T * N cell updates
    Cost c;
    c.macs = steps * G * H * (x[2] + H);
    c.flops =
        2 * c.macs + steps * H * cell_flops(name) + (a.get_int("use_bias") ? steps * 2 * G * H : 0);
    return c;
  };
  // Training unrolls the layer into ordinary ops (ir/grads/recurrent.cpp).
  d.train_forward = grads::train_recurrent;
  return d;
}

}  // namespace

bool has_peepholes(const Attrs &a) { return a.has("peepholes") && a.get_int("peepholes"); }

int64_t recurrent_gates(const std::string &op) {
  if (op == "rnn") return 1;
  if (op == "lstm") return 4;
  if (op == "gru") return 3;
  return 0;
}

OpDef def_rnn() {
  OpDef d = recurrent("rnn", "Elman recurrent layer over a [T, N, I] sequence");
  d.attrs.push_back({"nonlinearity",
                     AttrKind::String,
                     std::string("tanh"),
                     "the activation of the hidden state",
                     {"tanh", "relu"}});
  return d;
}

OpDef def_lstm() {
  OpDef d = recurrent("lstm",
                      "long short-term memory layer over a [T, N, I] sequence (gates i, f, g, o)");
  d.inputs.push_back({"peephole", true, true});
  // Absent means false, so that graphs without it print and hash as before.
  d.attrs.push_back({"peepholes",
                     AttrKind::Bool,
                     std::nullopt,
                     "true: a last input `peephole` [3H] (p_i, p_f, p_o): i and f add p * c, o "
                     "adds p_o * c' (ONNX LSTM's P); absent: false",
                     {},
                     true});
  return d;
}

OpDef def_gru() {
  OpDef d =
      recurrent("gru", "gated recurrent unit layer over a [T, N, I] sequence (gates r, z, n)");
  // Absent means true, so that graphs without it print and hash as before.
  d.attrs.push_back({"linear_before_reset",
                     AttrKind::Bool,
                     std::nullopt,
                     "true (absent): n = tanh(W_n x + b_in + r * (R_n h + b_hn)) (PyTorch's GRU); "
                     "false: n = tanh(W_n x + b_in + R_n (r * h) + b_hn) (ONNX's default)",
                     {},
                     true});
  return d;
}

}  // namespace kiln::ir::ops
