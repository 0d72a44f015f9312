// Gradient rules of the broadcasting ops. An input that was broadcast gets
// the gradient summed over the axes it was broadcast along (sum_to_shape);
// otherwise:
//   add: dy, dy            sub: dy, -dy
//   mul: dy b, dy a        div: dy / b, -dy y / b   (y = a / b)
//   prelu: dx = dy where x >= 0, else dy slope; dslope = dy min(x, 0)
//   scale_channels: dx = scale_channels(dy, s); ds = dy x summed per plane
//   matmul: da = dy b^T, db = a^T dy (batch axes summed where broadcast)
//   reduce_mean: dy broadcast back, divided by the count
//   broadcast_to and sum_to_shape: each other
#include "ir/errors.h"
#include "ir/grads/grad_rules.h"
#include "ir/ops/op_helpers.h"

namespace kiln::ir::grads {

namespace {

// `value` (shaped like the output) as the gradient of input k: summed over
// the axes input k was broadcast along, times `scale`.
int reduce_to_input(GradContext &c, int value, size_t k, const std::string &suffix,
                    double scale = 1.0) {
  const Shape want = c.shape(c.input(k));
  if (c.shape(value) == want && scale == 1.0) return value;
  Attrs a;
  a.set("shape", want);
  a.set("scale", scale);
  return c.emit("sum_to_shape", suffix, {value}, a);
}

std::string grad_name(size_t k) { return "grad_" + std::string(k == 0 ? "a" : "b"); }

}  // namespace

void grad_add(GradContext &c) {
  for (size_t k = 0; k < 2; k++)
    if (c.needs(k)) c.set_dx(k, reduce_to_input(c, c.dy(), k, grad_name(k)));
}

void grad_sub(GradContext &c) {
  if (c.needs(0)) c.set_dx(0, reduce_to_input(c, c.dy(), 0, grad_name(0)));
  if (c.needs(1)) c.set_dx(1, reduce_to_input(c, c.dy(), 1, grad_name(1), -1.0));
}

void grad_mul(GradContext &c) {
  for (size_t k = 0; k < 2; k++) {
    if (!c.needs(k)) continue;
    const int other = c.input(1 - k);
    c.set_dx(k, reduce_to_input(c, c.emit("mul", grad_name(k) + "_full", {c.dy(), other}), k,
                                grad_name(k)));
  }
}

void grad_div(GradContext &c) {
  const int b = c.input(1);
  if (c.needs(0))
    c.set_dx(0, reduce_to_input(c, c.emit("div", "grad_a_full", {c.dy(), b}), 0, "grad_a"));
  if (c.needs(1)) {
    const int dy_y = c.emit("mul", "dy_y", {c.dy(), c.output(0)});
    c.set_dx(1, reduce_to_input(c, c.emit("div", "grad_b_full", {dy_y, b}), 1, "grad_b", -1.0));
  }
}

void grad_prelu(GradContext &c) {
  const int x = c.input(0), slope = c.input(1), dy = c.dy();
  if (c.needs(0)) {
    // dy where x >= 0 (leaky_relu's derivative with slope 0), plus the rest times the slope.
    Attrs step;
    step.set("activation", std::string("leaky_relu"));
    step.set("alpha", 0.0);
    const int kept = c.emit("activation_backward", "dy_positive", {dy, x}, step);
    const int rest = c.emit("sub", "dy_negative", {dy, kept});
    c.set_dx(0,
             c.emit("add", "grad_x", {kept, c.emit("mul", "dy_negative_scaled", {rest, slope})}));
  }
  if (c.needs(1)) {
    Attrs upper;
    upper.set("max", 0.0);
    const int negative = c.emit("clip", "x_negative", {x}, upper);
    c.set_dx(1,
             reduce_to_input(c, c.emit("mul", "grad_slope_full", {dy, negative}), 1, "grad_slope"));
  }
}

void grad_scale_channels(GradContext &c) {
  const int x = c.input(0), s = c.input(1), dy = c.dy();
  if (c.needs(0)) c.set_dx(0, c.emit("scale_channels", "grad_x", {dy, s}));
  if (c.needs(1)) {
    const Shape xs = c.shape(x);
    Shape planes(xs.size(), 1);
    planes[0] = xs[0];
    planes[1] = xs[1];
    Attrs a;
    a.set("shape", planes);
    a.set("scale", 1.0);
    int ds = c.emit("sum_to_shape", "grad_s_planes", {c.emit("mul", "dy_x", {dy, x})}, a);
    if (c.shape(s) != planes) {
      Attrs r;
      r.set("shape", c.shape(s));
      ds = c.emit("reshape", "grad_s", {ds}, r);
    }
    c.set_dx(1, ds);
  }
}

void grad_matmul(GradContext &c) {
  // The last two axes swapped.
  auto transposed = [&c](int v, const std::string &suffix) {
    const int rank = c.type(v).rank();
    std::vector<int64_t> perm(rank);
    for (int k = 0; k < rank; k++) perm[k] = k;
    std::swap(perm[rank - 1], perm[rank - 2]);
    Attrs a;
    a.set("perm", perm);
    return c.emit("permute", suffix, {v}, a);
  };
  const int a = c.input(0), b = c.input(1), dy = c.dy();
  if (c.needs(0)) {
    const int full = c.emit("matmul", "grad_a_full", {dy, transposed(b, "b_transposed")});
    c.set_dx(0, reduce_to_input(c, full, 0, "grad_a"));
  }
  if (c.needs(1)) {
    const int full = c.emit("matmul", "grad_b_full", {transposed(a, "a_transposed"), dy});
    c.set_dx(1, reduce_to_input(c, full, 1, "grad_b"));
  }
}

void grad_reduce_mean(GradContext &c) {
  const Shape x = c.shape(c.input(0));
  Attrs a;
  a.set("shape", x);
  a.set("scale", static_cast<double>(c.type(c.dy()).numel()) / static_cast<double>(numel(x)));
  c.set_dx(0, c.emit("broadcast_to", "grad_x", {c.dy()}, a));
}

void grad_broadcast_to(GradContext &c) {
  Attrs a;
  a.set("shape", c.shape(c.input(0)));
  a.set("scale", c.attrs().get_float("scale"));
  c.set_dx(0, c.emit("sum_to_shape", "grad_x", {c.dy()}, a));
}

void grad_sum_to_shape(GradContext &c) {
  Attrs a;
  a.set("shape", c.shape(c.input(0)));
  a.set("scale", c.attrs().get_float("scale"));
  c.set_dx(0, c.emit("broadcast_to", "grad_x", {c.dy()}, a));
}

}  // namespace kiln::ir::grads
