// Reference rnn, lstm and gru: the step loop as the formulas in
// ir/ops/recurrent.h read, per sequence, with the gate pre-activations
// accumulated in double.
#include "ir/ops/recurrent.h"

#include <cmath>

#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

namespace {

double sigmoid(double v) { return 1.0 / (1.0 + std::exp(-v)); }

// One layer's tensors and sizes.
template <typename T>
struct Recurrence {
  const BasicTensor<T> &x, &w_ih, &w_hh;
  const BasicTensor<T> *b_ih, *b_hh;
  int64_t steps, N, I, H, G;
  bool gru_reset_after = false;              // gru with linear_before_reset false
  const BasicTensor<T> *peephole = nullptr;  // lstm's [3H]: p_i, p_f, p_o

  // Row `row` of W x_t (+ b_ih): the input's part of one gate pre-activation.
  double input_part(int64_t row, int64_t t, int64_t n) const {
    double z = b_ih ? b_ih->data[row] : 0.0;
    for (int64_t i = 0; i < I; i++)
      z += static_cast<double>(w_ih.data[row * I + i]) * x.data[(t * N + n) * I + i];
    return z;
  }
  // Row `row` of R h (+ b_hh): the hidden state's part.
  double hidden_part(int64_t row, const std::vector<double> &h) const {
    double z = b_hh ? b_hh->data[row] : 0.0;
    for (int64_t k = 0; k < H; k++) z += static_cast<double>(w_hh.data[row * H + k]) * h[k];
    return z;
  }
};

// The next hidden state (and cell state, for lstm) of sequence n at step t.
// gru with linear_before_reset false: n's hidden part is R_n (r * h) + b_hn,
// so every unit's reset gate comes first.
template <typename T>
void gru_reset_after_step(const Recurrence<T> &r, int64_t t, int64_t n, std::vector<double> &h) {
  const int64_t H = r.H;
  std::vector<double> reset_h(H), next(H);
  auto gate = [&](int64_t g, int64_t m) {
    return r.input_part(g * H + m, t, n) + r.hidden_part(g * H + m, h);
  };
  for (int64_t m = 0; m < H; m++) reset_h[m] = sigmoid(gate(0, m)) * h[m];
  for (int64_t m = 0; m < H; m++) {
    double z = sigmoid(gate(1, m));
    double nn = std::tanh(r.input_part(2 * H + m, t, n) + r.hidden_part(2 * H + m, reset_h));
    next[m] = (1 - z) * nn + z * h[m];
  }
  h = next;
}

template <typename T>
void step(const std::string &op, const std::string &nonlinearity, const Recurrence<T> &r, int64_t t,
          int64_t n, std::vector<double> &h, std::vector<double> &c) {
  const int64_t H = r.H;
  if (op == "gru" && r.gru_reset_after) return gru_reset_after_step(r, t, n, h);
  std::vector<double> next(H);
  for (int64_t m = 0; m < H; m++) {
    auto gate = [&](int64_t g) {
      return r.input_part(g * H + m, t, n) + r.hidden_part(g * H + m, h);
    };
    if (op == "rnn") {
      double z = gate(0);
      next[m] = nonlinearity == "relu" ? (z > 0 ? z : 0.0) : std::tanh(z);
    } else if (op == "lstm") {
      auto peep = [&](int64_t k, double cell) {
        return r.peephole ? static_cast<double>(r.peephole->data[k * H + m]) * cell : 0.0;
      };
      double i = sigmoid(gate(0) + peep(0, c[m])), f = sigmoid(gate(1) + peep(1, c[m])),
             g = std::tanh(gate(2));
      c[m] = f * c[m] + i * g;
      double o = sigmoid(gate(3) + peep(2, c[m]));
      next[m] = o * std::tanh(c[m]);
    } else {  // gru
      double rg = sigmoid(gate(0)), z = sigmoid(gate(1));
      double nn = std::tanh(r.input_part(2 * H + m, t, n) + rg * r.hidden_part(2 * H + m, h));
      next[m] = (1 - z) * nn + z * h[m];
    }
  }
  h = next;
}

template <typename T>
std::vector<BasicTensor<T>> recurrent_kernel(const ir::Node &node, const Inputs<T> &in) {
  const bool bias = node.attrs.get_int("use_bias") != 0;
  const BasicTensor<T> &x = *in[0];
  Recurrence<T> r{x,
                  *in[1],
                  *in[2],
                  bias ? in[3] : nullptr,
                  bias ? in[4] : nullptr,
                  x.shape[0],
                  x.shape[1],
                  x.shape[2],
                  node.attrs.get_int("hidden_size"),
                  ir::ops::recurrent_gates(node.op)};
  if (ir::ops::has_peepholes(node.attrs)) r.peephole = in.back();
  r.gru_reset_after =
      node.attrs.has("linear_before_reset") && !node.attrs.get_int("linear_before_reset");
  const std::string nonlinearity =
      node.attrs.has("nonlinearity") ? node.attrs.get_string("nonlinearity") : "tanh";
  const bool sequences = node.attrs.get_int("return_sequences") != 0;
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  BasicTensor<T> &y = out[0];
  for (int64_t n = 0; n < r.N; n++) {
    std::vector<double> h(r.H, 0.0), c(r.H, 0.0);
    for (int64_t t = 0; t < r.steps; t++) {
      step(node.op, nonlinearity, r, t, n, h, c);
      if (!sequences && t + 1 < r.steps) continue;
      const int64_t row = sequences ? t * r.N + n : n;
      for (int64_t m = 0; m < r.H; m++) y.data[row * r.H + m] = static_cast<T>(h[m]);
    }
  }
  return out;
}

template <typename T>
std::vector<BasicTensor<T>> rnn_kernel(const ir::Node &node, const Inputs<T> &in) {
  return recurrent_kernel<T>(node, in);
}
template <typename T>
std::vector<BasicTensor<T>> lstm_kernel(const ir::Node &node, const Inputs<T> &in) {
  return recurrent_kernel<T>(node, in);
}
template <typename T>
std::vector<BasicTensor<T>> gru_kernel(const ir::Node &node, const Inputs<T> &in) {
  return recurrent_kernel<T>(node, in);
}

}  // namespace

KILN_REF_KERNEL(rnn)
KILN_REF_KERNEL(lstm)
KILN_REF_KERNEL(gru)

}  // namespace kiln::reference::ops
