// Halide lowering of batch normalization while training, over the view
// [N, C, inner]: per-channel reductions over (n, inner) computed first
// (channels in parallel), then the elementwise output with tasks (c, n) in
// parallel and vectors along inner (along C when inner == 1).
#include "codegen/ops/train_lower_util.h"

namespace kiln::codegen::ops {

namespace {

using namespace Halide;

struct ChannelView {
  int64_t batch, channels, inner;
  ir::Shape view() const { return {batch, channels, inner}; }
  float count() const { return static_cast<float>(batch * inner); }
};

ChannelView channel_view(const ir::Shape &s) {
  return {s[0], s[1], span(s, 2, static_cast<int>(s.size()))};
}

// sum over (n, i) of term(i, c, n), channels in parallel when large.
Func channel_reduce(const std::string &name, const ChannelView &v,
                    const std::function<Expr(Expr, Expr, Expr)> &term) {
  Var c("c");
  RDom r(0, extent(v.inner), 0, extent(v.batch), name + "_r");
  Func f(name);
  f(c) = 0.0f;
  f(c) += term(r.x, c, r.y);
  f.compute_root();
  if (v.batch * v.channels * v.inner >= schedules::kParallelThreshold) f.update().parallel(c);
  return f;
}

void schedule_map(Func out, Var i, Var c, Var n, const ChannelView &v, const Target &target) {
  const int vw = natural_vector_width(target);
  if (v.inner == 1) {
    if (v.channels >= vw) out.vectorize(c, vw, TailStrategy::GuardWithIf);
    return;
  }
  Var task("task");
  out.fuse(c, n, task);
  if (v.batch * v.channels * v.inner >= schedules::kParallelThreshold) out.parallel(task);
  if (v.inner >= vw) out.vectorize(i, vw, TailStrategy::GuardWithIf);
}

Func copy_of(Func f, const std::string &name) {
  Var c("c");
  Func out(name);
  out(c) = f(c);
  return out;
}

}  // namespace

LoweredKernel lower_batch_norm_train(const LowerRequest &req) {
  const ChannelView v = channel_view(req.inputs[0].shape);
  const ir::Shape view = v.view(), per_channel = {v.channels};
  ImageParam x = make_input(view, "x"), gamma = make_input(per_channel, "gamma"),
             beta = make_input(per_channel, "beta");
  const float eps = static_cast<float>(req.node.attrs.get_float("epsilon"));
  Var i("i"), c("c"), n("n");
  Func sum = channel_reduce("sum", v, [&](Expr i, Expr c, Expr n) { return x(i, c, n); });
  Func mean("mean"), var("var"), scale("scale"), y("kiln_batch_norm_train");
  mean(c) = sum(c) / v.count();
  mean.compute_root();
  // Two passes: the squares of (x - mean) do not cancel.
  Func sq = channel_reduce("sq", v, [&](Expr i, Expr c, Expr n) {
    Expr d = x(i, c, n) - mean(c);
    return d * d;
  });
  var(c) = sq(c) / v.count();
  scale(c) = gamma(c) / sqrt(var(c) + eps);
  scale.compute_root();
  y(i, c, n) = (x(i, c, n) - mean(c)) * scale(c) + beta(c);
  schedule_map(y, i, c, n, v, req.target);
  return make_multi_kernel({y, copy_of(mean, "kiln_batch_mean"), copy_of(var, "kiln_batch_var")},
                           {x, gamma, beta}, {view, per_channel, per_channel},
                           {view, per_channel, per_channel},
                           "channel sums first (two passes), then the map");
}

LoweredKernel lower_batch_norm_backward(const LowerRequest &req) {
  const ChannelView v = channel_view(req.inputs[1].shape);
  const ir::Shape view = v.view(), per_channel = {v.channels};
  ImageParam dy = make_input(view, "dy"), x = make_input(view, "x"),
             gamma = make_input(per_channel, "gamma"), mean = make_input(per_channel, "mean"),
             var = make_input(per_channel, "var");
  const float eps = static_cast<float>(req.node.attrs.get_float("epsilon"));
  Var i("i"), c("c"), n("n");
  Func invstd("invstd");
  invstd(c) = 1.0f / sqrt(var(c) + eps);
  invstd.compute_root();
  auto xhat = [&](Expr i, Expr c, Expr n) { return (x(i, c, n) - mean(c)) * invstd(c); };
  Func dbeta = channel_reduce("dbeta", v, [&](Expr i, Expr c, Expr n) { return dy(i, c, n); });
  Func dgamma = channel_reduce("dgamma", v,
                               [&](Expr i, Expr c, Expr n) { return dy(i, c, n) * xhat(i, c, n); });
  Func dx("kiln_batch_norm_backward");
  dx(i, c, n) =
      gamma(c) * invstd(c) * (dy(i, c, n) - (dbeta(c) + xhat(i, c, n) * dgamma(c)) / v.count());
  schedule_map(dx, i, c, n, v, req.target);
  return make_multi_kernel({dx, copy_of(dgamma, "kiln_dgamma"), copy_of(dbeta, "kiln_dbeta")},
                           {dy, x, gamma, mean, var},
                           {view, view, per_channel, per_channel, per_channel},
                           {view, per_channel, per_channel}, "channel sums first, then the map");
}

LoweredKernel lower_running_stat_update(const LowerRequest &req) {
  const float m = static_cast<float>(req.node.attrs.get_float("momentum"));
  const float scale = static_cast<float>(req.node.attrs.get_float("scale"));
  return lower_elementwise_multi(
      req, "running_stat_update", {false, false}, [&](const ElementwiseKernel &k) {
        return std::vector<Expr>{(1.0f - m) * k.at(0) + (m * scale) * k.at(1)};
      });
}

}  // namespace kiln::codegen::ops
