// The training form of rnn, lstm and gru: the layer unrolled over time into
// ordinary ops (dense, slice, add, mul, sub, sigmoid, tanh, relu, reshape,
// concat), each with its own gradient rule, so backpropagation through
// time is what autodiff does to the unrolled graph; no backward op of its
// own. The formulas are ir/ops/recurrent.h; the state starts at zero, so
// the first step has no hidden-state product (only bias_hh, if any).
// The graph grows by about 15 nodes per step (lstm): fine for the short
// sequences kiln trains; a fused backward kernel is the next step for long
// ones.
#include "ir/ops/recurrent.h"

#include "ir/errors.h"
#include "ir/grads/grad_rules.h"

namespace kiln::ir::grads {

namespace {

// Emits the unrolled layer through `c`; -1 stands for a zero tensor (the
// initial state, or a missing bias), which every helper folds away.
class Unroller {
 public:
  explicit Unroller(GradContext &c) : c_(c) {}

  int add(int a, int b, const std::string &s) {
    if (a < 0) return b;
    if (b < 0) return a;
    return c_.emit("add", s, {a, b});
  }
  int mul(int a, int b, const std::string &s) {
    if (a < 0 || b < 0) return -1;
    return c_.emit("mul", s, {a, b});
  }
  int unary(const std::string &op, int a, const std::string &s) { return c_.emit(op, s, {a}); }
  // Entries [k H, (k + 1) H) of the last axis (rows of a [G H, ...] weight with axis 0).
  int block(int v, int64_t k, int64_t H, const std::string &s, int axis = -1) {
    if (v < 0) return -1;
    if (c_.shape(v)[axis < 0 ? c_.type(v).rank() - 1 : axis] == H) return v;
    Attrs a;
    a.set("axis", int64_t{axis});
    a.set("start", k * H);
    a.set("length", H);
    return c_.emit("slice", s, {v}, a);
  }
  // h W^T + b, or -1 when h is the zero state (then b alone).
  int dense(int h, int w, int b, const std::string &s) {
    if (h < 0) return b;
    Attrs a;
    a.set("units", c_.shape(w)[0]);
    a.set("use_bias", int64_t{b >= 0});
    std::vector<int> in = {h, w};
    if (b >= 0) in.push_back(b);
    return c_.emit("dense", s, in, a);
  }
  int reshape(int v, const Shape &shape, const std::string &s) {
    Attrs a;
    a.set("shape", shape);
    return c_.emit("reshape", s, {v}, a);
  }

 private:
  GradContext &c_;
};

}  // namespace

void train_recurrent(GradContext &c) {
  const std::string op = c.node().op;
  if (ops::has_peepholes(c.attrs()))
    throw UserError("node '" + c.node().name + "' (lstm): peepholes have no training form yet");
  const Shape xs = c.shape(c.input(0));
  const int64_t T = xs[0], N = xs[1], I = xs[2], H = c.attrs().get_int("hidden_size");
  const bool bias = c.attrs().get_int("use_bias") != 0;
  const int w_ih = c.input(1), w_hh = c.input(2);
  const int b_ih = bias ? c.input(3) : -1, b_hh = bias ? c.input(4) : -1;
  // gru with linear_before_reset false: n's hidden part is R_n (r * h) + b_hn.
  const bool reset_before = op == "gru" && c.attrs().has("linear_before_reset") &&
                            !c.attrs().get_int("linear_before_reset");
  Unroller u(c);
  // Every step's input part at once: [T N, I] x W_ih^T + b_ih.
  const int x_part = u.dense(u.reshape(c.input(0), {T * N, I}, "x_rows"), w_ih, b_ih, "input_part");
  int h = -1, cell = -1;
  std::vector<int> outputs;
  for (int64_t t = 0; t < T; t++) {
    const std::string p = "t" + std::to_string(t) + "/";
    Attrs rows;
    rows.set("axis", int64_t{0});
    rows.set("start", t * N);
    rows.set("length", N);
    const int xp = T == 1 ? x_part : c.emit("slice", p + "input_part", {x_part}, rows);
    if (op == "rnn") {
      const int pre = u.add(xp, u.dense(h, w_hh, b_hh, p + "hidden_part"), p + "pre");
      h = u.unary(c.attrs().get_string("nonlinearity"), pre, p + "h");
    } else if (op == "lstm") {
      const int pre = u.add(xp, u.dense(h, w_hh, b_hh, p + "hidden_part"), p + "pre");
      const int i = u.unary("sigmoid", u.block(pre, 0, H, p + "pre_i"), p + "i");
      const int f = u.unary("sigmoid", u.block(pre, 1, H, p + "pre_f"), p + "f");
      const int g = u.unary("tanh", u.block(pre, 2, H, p + "pre_g"), p + "g");
      const int o = u.unary("sigmoid", u.block(pre, 3, H, p + "pre_o"), p + "o");
      cell = u.add(u.mul(f, cell, p + "f_c"), u.mul(i, g, p + "i_g"), p + "c");
      h = u.mul(o, u.unary("tanh", cell, p + "tanh_c"), p + "h");
    } else {  // gru
      auto gate = [&](int64_t k, const std::string &name, int hidden) {
        return u.unary("sigmoid",
                       u.add(u.block(xp, k, H, p + "x_" + name),
                             u.block(hidden, k, H, p + "h_" + name), p + "pre_" + name),
                       p + name);
      };
      const int hp = u.dense(h, w_hh, b_hh, p + "hidden_part");
      const int r = gate(0, "r", hp), z = gate(1, "z", hp);
      int hn;
      if (reset_before) {
        const int w_n = u.block(w_hh, 2, H, p + "weight_hn", 0);
        const int b_n = u.block(b_hh, 2, H, p + "bias_hn", 0);
        hn = u.dense(u.mul(r, h, p + "r_h"), w_n, b_n, p + "h_n");
      } else {
        hn = u.mul(r, u.block(hp, 2, H, p + "h_n"), p + "r_h_n");
      }
      const int n = u.unary("tanh", u.add(u.block(xp, 2, H, p + "x_n"), hn, p + "pre_n"), p + "n");
      // h' = (1 - z) n + z h = n + z (h - n); with h = 0: n - z n.
      h = h < 0 ? c.emit("sub", p + "h", {n, u.mul(z, n, p + "z_n")})
                : u.add(n, u.mul(z, c.emit("sub", p + "h_minus_n", {h, n}), p + "z_d"), p + "h");
    }
    outputs.push_back(h);
  }
  if (!c.attrs().get_int("return_sequences")) {
    c.replace_output(0, h);
    return;
  }
  std::vector<int> steps;
  for (size_t t = 0; t < outputs.size(); t++)
    steps.push_back(u.reshape(outputs[t], {1, N, H}, "t" + std::to_string(t) + "/h_seq"));
  if (steps.size() == 1) {
    c.replace_output(0, steps[0]);
    return;
  }
  Attrs a;
  a.set("axis", int64_t{0});
  c.replace_output(0, c.emit("concat", "sequence", steps, a));
}

}  // namespace kiln::ir::grads
