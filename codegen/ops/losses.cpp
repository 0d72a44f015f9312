// Halide lowering of the losses: each kernel outputs the mean loss ([1])
// and its gradient with respect to the prediction in one pipeline.
#include "codegen/ops/activation_exprs.h"
#include "codegen/ops/train_lower_util.h"

namespace kiln::codegen::ops {

namespace {

using namespace Halide;

using Formula = std::function<Expr(Expr, Expr)>;

// loss = mean of term(p, t), grad = dterm(p, t) / numel, over 1-D views.
LoweredKernel elementwise_loss(const LowerRequest &req, const std::string &name,
                               const Formula &term, const Formula &dterm) {
  const int64_t numel = req.inputs[0].numel();
  const ir::Shape view = {numel}, one = {1};
  ImageParam p = make_input(view, "prediction"), t = make_input(view, "target");
  const float inv_n = static_cast<float>(1.0 / static_cast<double>(numel));
  Var i("i"), u("u");
  RDom r(0, extent(numel), "r");
  Func total("total"), loss("kiln_" + name), grad("kiln_" + name + "_grad");
  total(u) = 0.0f;
  total(u) += term(p(r), t(r));
  loss(u) = total(u) * inv_n;
  grad(i) = dterm(p(i), t(i)) * inv_n;
  auto k = schedules::default_elementwise_schedule(numel, req.target);
  schedule_elementwise(grad, i, k);
  return make_multi_kernel({loss, grad}, {p, t}, {view, view}, {one, view},
                           "serial loss sum; gradient " + k.describe());
}

}  // namespace

LoweredKernel lower_mse_loss(const LowerRequest &req) {
  return elementwise_loss(
      req, "mse_loss", [](Expr p, Expr t) { return (p - t) * (p - t); },
      [](Expr p, Expr t) { return 2.0f * (p - t); });
}

LoweredKernel lower_bce_loss(const LowerRequest &req) {
  // As PyTorch: logs clamped at -100, the gradient's denominator at 1e-12.
  return elementwise_loss(
      req, "bce_loss",
      [](Expr p, Expr t) {
        return -(t * max(log(p), -100.0f) + (1.0f - t) * max(log(1.0f - p), -100.0f));
      },
      [](Expr p, Expr t) { return (p - t) / max(p * (1.0f - p), 1e-12f); });
}

LoweredKernel lower_bce_with_logits_loss(const LowerRequest &req) {
  return elementwise_loss(
      req, "bce_with_logits_loss",
      [](Expr x, Expr t) { return max(x, 0.0f) - x * t + log(1.0f + exp(-abs(x))); },
      [](Expr x, Expr t) { return sigmoid_expr(x) - t; });
}

// Rows of [N, K]: max and sum of exponentials per row (computed first),
// then the gradient (vectors along K when K is wide) and the mean loss.
LoweredKernel lower_softmax_cross_entropy(const LowerRequest &req) {
  const ir::Shape &s = req.inputs[0].shape;
  const int64_t rows = s[0], classes = s[1];
  const ir::Shape labels_view = {rows}, one = {1};
  ImageParam x = make_input(s, "logits"), labels = make_input(labels_view, "labels");
  const float inv_rows = static_cast<float>(1.0 / static_cast<double>(rows));
  const int K = extent(classes);
  Var k("k"), row("row"), u("u");
  RDom rk(0, K, "rk");
  Func mx("mx"), sum("sum"), label("label"), row_loss("row_loss");
  mx(row) = maximum(x(rk, row));
  sum(row) = 0.0f;
  sum(row) += exp(x(rk, row) - mx(row));
  label(row) = cast<int>(floor(labels(row)));
  // An index outside [0, K) matches no class: a zero one-hot row.
  Expr valid = label(row) >= 0 && label(row) < K;
  row_loss(row) =
      mx(row) + log(sum(row)) - select(valid, x(clamp(label(row), 0, K - 1), row), 0.0f);
  Func total("total"), loss("kiln_softmax_cross_entropy"), grad("kiln_softmax_cross_entropy_grad");
  RDom rr(0, extent(rows), "rr");
  total(u) = 0.0f;
  total(u) += row_loss(rr);
  loss(u) = total(u) * inv_rows;
  grad(k, row) =
      (exp(x(k, row) - mx(row)) / sum(row) - select(k == label(row), 1.0f, 0.0f)) * inv_rows;

  for (Func f : {mx, sum, label}) f.compute_root();
  const int vw = natural_vector_width(req.target);
  if (classes >= vw) grad.vectorize(k, vw, TailStrategy::GuardWithIf);
  if (rows * classes >= schedules::kParallelThreshold) grad.parallel(row);
  return make_multi_kernel({loss, grad}, {x, labels}, {s, labels_view}, {one, s},
                           "row max and sum first, then the gradient and the mean loss");
}

}  // namespace kiln::codegen::ops
