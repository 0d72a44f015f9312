// Halide lowering of rnn, lstm and gru (formulas in ir/ops/recurrent.h) as
// one pipeline of two parts:
//
// 1. The input projection of every step at once, a GEMM-like stage:
//      proj(row, n, t) = bias(row) + sum_i W[row, i] * x[t, n, i]
//    vectorized along the gate rows (W is transposed once so those rows are
//    contiguous), parallel over steps.
// 2. The recurrence, one Func `state(j, n, s)` over hidden unit j, sequence
//    n and step s = t + 1 (s = 0 is the zero initial state), whose Tuple
//    holds the gate accumulators and the cell's state (lstm: i, f, g, o, c,
//    h; gru: r, z, the hidden part of n, h; rnn: the pre-activation, h). Its
//    pure definition starts each step's accumulators from proj; one update
//    runs the steps in order over RDom (j, k, phase, s):
//      phase 0, every k: acc_gate(j, s) += R[gate*H + j, k] * h(k, s - 1)
//      phase 1, k = 0:   the activations, c(j, s) and h(j, s)
//    The RDom's predicate k < H - (phase / last) * (H - 1) gives the last
//    phase a single k, and unrolling the phase makes each copy its own loop
//    without selects. gru with linear_before_reset false (ONNX's default)
//    sums n's hidden part R_n (r * h) in a phase of its own between the two,
//    once every unit's r accumulator is complete:
//      phase 1, every k: acc_n(j, s) += R[2H + j, k] * sigmoid(acc_r(k, s)) * h(k, s - 1)
//    A step reads only step s - 1, which is complete, so the lanes of one j
//    vector never depend on each other: the vectorized RVar j is race-free,
//    which Halide cannot prove (allow_race_conditions). R is transposed once
//    so that the j vectors load contiguously.
// The output is h(j, n, t + 1) for every step, or for the last only.
// Knobs: codegen/schedules/recurrent_schedule.h.
#include "codegen/ops/recurrent.h"

#include "codegen/ops/lower_util.h"
#include "codegen/schedules/cpu_info.h"
#include "codegen/schedules/recurrent_schedule.h"
#include "ir/ops/recurrent.h"

namespace kiln::codegen::ops {

namespace {

using namespace Halide;
using schedules::RecurrentSchedule;
using schedules::RecurrentShape;

// How a cell's Tuple is laid out: `accumulators` gate sums first (each
// reading R's rows gate*H ...), then the lstm's c, then h last.
struct CellLayout {
  std::string op;
  int accumulators = 1;
  int size = 2;
  int c = -1;                // the cell state's element (lstm)
  bool reset_after = false;  // gru with linear_before_reset false
  int h() const { return size - 1; }
  int phases() const { return reset_after ? 3 : 2; }
};

CellLayout layout(const ir::Node &node) {
  const std::string &op = node.op;
  if (op == "lstm") return {op, 4, 6, 4};
  if (op == "gru")
    return {op, 3, 4, -1,
            node.attrs.has("linear_before_reset") && !node.attrs.get_int("linear_before_reset")};
  return {op, 1, 2};
}

struct Params {
  ImageParam x, w_ih, w_hh, b_ih, b_hh, peephole;
  bool has_bias = false;
  bool has_peephole = false;  // lstm's [3H] p_i, p_f, p_o
};

struct Funcs {
  Var j{"j"}, n{"n"}, s{"s"}, row{"row"}, k{"k"};
  Func wt{"w_ih_t"}, rt{"w_hh_t"};  // transposed weights
  Func proj{"proj"};
  Func state{"state"};
  Func out;
  RDom ri, r;
};

// The bias folded into the projection of gate row `row`: both biases,
// except for gru's n rows, whose hidden bias sits inside r * (.).
Expr projection_bias(const CellLayout &cell, const Params &p, Expr row, int64_t H) {
  if (!p.has_bias) return 0.0f;
  Expr both = p.b_ih(row) + p.b_hh(row);
  if (cell.op != "gru") return both;
  return select(row >= extent(2 * H), p.b_ih(row), both);
}

void define_projection(Funcs &f, const CellLayout &cell, const Params &p, const RecurrentShape &s) {
  f.wt(f.row, f.k) = p.w_ih(f.k, f.row);
  f.ri = RDom(0, extent(s.input_size), "ri");
  f.proj(f.row, f.n, f.s) = projection_bias(cell, p, f.row, s.hidden_size);
  f.proj(f.row, f.n, f.s) += f.wt(f.row, f.ri) * p.x(f.ri, f.n, f.s);
}

// The cell's activation step for unit j at step s from its accumulators.
std::vector<Expr> finalize(const Funcs &f, const CellLayout &cell, const Params &p,
                           const std::string &nonlinearity, Expr j, Expr n, Expr s, int64_t H) {
  auto cur = [&](int e) { return f.state(j, n, s)[e]; };
  auto prev = [&](int e) { return f.state(j, n, s - 1)[e]; };
  std::vector<Expr> v(cell.size);
  for (int e = 0; e < cell.size; e++) v[e] = cur(e);
  if (cell.op == "rnn") {
    v[cell.h()] = nonlinearity == "relu" ? relu_expr(cur(0)) : tanh_expr(cur(0));
  } else if (cell.op == "lstm") {
    auto peep = [&](int k, Expr cell_state) {
      return p.has_peephole ? p.peephole(j + k * extent(H)) * cell_state : Expr(0.0f);
    };
    Expr c_prev = prev(cell.c);
    Expr i = sigmoid_expr(cur(0) + peep(0, c_prev)), fg = sigmoid_expr(cur(1) + peep(1, c_prev)),
         g = tanh_expr(cur(2));
    Expr c = fg * c_prev + i * g;
    Expr o = sigmoid_expr(cur(3) + peep(2, c));
    v[cell.c] = c;
    v[cell.h()] = o * tanh_expr(c);
  } else {  // gru; the input part of n is proj's n row (with b_in only)
    Expr r = sigmoid_expr(cur(0)), z = sigmoid_expr(cur(1));
    Expr xn = f.proj(j + extent(2 * H), n, s - 1);
    Expr nn = tanh_expr(xn + (cell.reset_after ? cur(2) : r * cur(2)));
    v[cell.h()] = (1.0f - z) * nn + z * prev(cell.h());
  }
  return v;
}

void define_recurrence(Funcs &f, const CellLayout &cell, const Params &p, const RecurrentShape &s,
                       const std::string &nonlinearity) {
  const int H = extent(s.hidden_size), T = extent(s.steps);
  f.rt(f.row, f.k) = p.w_hh(f.k, f.row);
  // Pure definition: zero state at s = 0; each later step's accumulators
  // start from the projection (gru's hidden n part from its hidden bias).
  Expr first = f.s == 0, t = clamp(f.s - 1, 0, T - 1);
  std::vector<Expr> init(cell.size, Expr(0.0f));
  for (int a = 0; a < cell.accumulators; a++) {
    Expr start = f.proj(f.j + a * H, f.n, t);
    if (cell.op == "gru" && a == 2) start = p.has_bias ? p.b_hh(f.j + 2 * H) : Expr(0.0f);
    init[a] = select(first, 0.0f, start);
  }
  f.state(f.j, f.n, f.s) = Tuple(init);

  const int last = cell.phases() - 1;
  f.r = RDom(0, H, 0, H, 0, cell.phases(), 1, T, "r");
  RVar rj = f.r.x, rk = f.r.y, phase = f.r.z, rs = f.r.w;
  f.r.where(rk < H - (phase / last) * (H - 1));
  Expr h_prev = f.state(rk, f.n, rs - 1)[cell.h()];
  std::vector<Expr> sum(cell.size), reset_sum(cell.size);
  for (int e = 0; e < cell.size; e++) sum[e] = reset_sum[e] = f.state(rj, f.n, rs)[e];
  const int plain = cell.reset_after ? 2 : cell.accumulators;  // summed in phase 0
  for (int a = 0; a < plain; a++) sum[a] += f.rt(rj + a * H, rk) * h_prev;
  if (cell.reset_after)  // r(k) is complete: phase 0 has run over every unit
    reset_sum[2] += f.rt(rj + 2 * H, rk) * (sigmoid_expr(f.state(rk, f.n, rs)[0]) * h_prev);
  std::vector<Expr> fin = finalize(f, cell, p, nonlinearity, rj, f.n, rs, H);
  std::vector<Expr> next(cell.size);
  for (int e = 0; e < cell.size; e++)
    next[e] = select(phase == 0, sum[e], phase == last, fin[e], reset_sum[e]);
  f.state(rj, f.n, rs) = Tuple(next);
}

void schedule(Funcs &f, const RecurrentShape &s, const RecurrentSchedule &k) {
  const int vw = k.vector_width;
  const auto shift = TailStrategy::ShiftInwards, guard = TailStrategy::GuardWithIf;
  const int row_vw = schedules::pow2_at_most(s.gates * s.hidden_size, vw);
  for (Func w : {f.wt, f.rt}) {
    w.compute_root();
    if (row_vw > 1) w.vectorize(f.row, row_vw, shift);
  }
  f.proj.compute_root();
  Stage proj_update = f.proj.update();
  proj_update.reorder(f.row, f.ri, f.n, f.s);
  if (row_vw > 1) {
    f.proj.vectorize(f.row, row_vw, shift);
    proj_update.vectorize(f.row, row_vw, guard);
  }
  if (k.parallel) proj_update.parallel(f.s);

  f.state.compute_root();
  if (vw > 1) f.state.vectorize(f.j, vw, shift);
  Stage steps = f.state.update();
  steps.unroll(f.r.z);  // the phase: accumulate, then activate, each a plain loop
  if (vw > 1) steps.allow_race_conditions().vectorize(f.r.x, vw, guard);
  if (k.parallel && s.batch > 1) steps.parallel(f.n);
  if (vw > 1) f.out.vectorize(f.j, vw, shift);
}

}  // namespace

LoweredKernel lower_recurrent_with(const LowerRequest &req, const RecurrentSchedule &want) {
  const ir::Attrs &a = req.node.attrs;
  const ir::Shape &xs = req.inputs[0].shape;
  const RecurrentShape shape{xs[0], xs[1], xs[2], a.get_int("hidden_size"),
                             ir::ops::recurrent_gates(req.node.op)};
  const RecurrentSchedule k = schedules::legalize(want, shape);
  const CellLayout cell = layout(req.node);
  const std::string nonlinearity = a.has("nonlinearity") ? a.get_string("nonlinearity") : "tanh";

  Params p;
  p.has_bias = a.get_int("use_bias") != 0;
  std::vector<ir::Shape> views = {xs, req.inputs[1].shape, req.inputs[2].shape};
  p.x = make_input(xs, "x");
  p.w_ih = make_input(views[1], "weight_ih");
  p.w_hh = make_input(views[2], "weight_hh");
  std::vector<ImageParam> params = {p.x, p.w_ih, p.w_hh};
  if (p.has_bias) {
    p.b_ih = make_input(req.inputs[3].shape, "bias_ih");
    p.b_hh = make_input(req.inputs[4].shape, "bias_hh");
    params.push_back(p.b_ih);
    params.push_back(p.b_hh);
    views.push_back(req.inputs[3].shape);
    views.push_back(req.inputs[4].shape);
  }
  p.has_peephole = ir::ops::has_peepholes(a);
  if (p.has_peephole) {
    p.peephole = make_input(req.inputs.back().shape, "peephole");
    params.push_back(p.peephole);
    views.push_back(req.inputs.back().shape);
  }

  Funcs f;
  f.out = Func("kiln_" + req.node.op);
  define_projection(f, cell, p, shape);
  define_recurrence(f, cell, p, shape, nonlinearity);
  const bool sequences = a.get_int("return_sequences") != 0;
  if (sequences)
    f.out(f.j, f.n, f.s) = f.state(f.j, f.n, f.s + 1)[cell.h()];
  else
    f.out(f.j, f.n) = f.state(f.j, f.n, extent(shape.steps))[cell.h()];
  schedule(f, shape, k);
  return make_kernel(f.out, params, views, req.outputs[0].shape,
                     k.describe() + (sequences ? "; every step's h" : "; the last h"));
}

LoweredKernel lower_rnn(const LowerRequest &req) {
  const ir::Shape &x = req.inputs[0].shape;
  return lower_recurrent_with(
      req, schedules::default_recurrent_schedule(
               {x[0], x[1], x[2], req.node.attrs.get_int("hidden_size"), 1}, req.target));
}

LoweredKernel lower_lstm(const LowerRequest &req) {
  const ir::Shape &x = req.inputs[0].shape;
  return lower_recurrent_with(
      req, schedules::default_recurrent_schedule(
               {x[0], x[1], x[2], req.node.attrs.get_int("hidden_size"), 4}, req.target));
}

LoweredKernel lower_gru(const LowerRequest &req) {
  const ir::Shape &x = req.inputs[0].shape;
  return lower_recurrent_with(
      req, schedules::default_recurrent_schedule(
               {x[0], x[1], x[2], req.node.attrs.get_int("hidden_size"), 3}, req.target));
}

}  // namespace kiln::codegen::ops
