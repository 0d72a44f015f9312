// Gradient rules of pooling. A global pooling is the window pooling of its
// whole plane, so it differentiates with the same backward ops.
#include "ir/errors.h"
#include "ir/grads/grad_rules.h"

namespace kiln::ir::grads {

namespace {

Attrs window_of(const GradContext &c) {
  Attrs a;
  for (const char *name : {"kernel", "stride", "padding", "ceil_mode"})
    if (c.attrs().has(name)) a.set(name, c.attrs().get(name));
  return a;
}

Attrs whole_plane(const GradContext &c) {
  const Shape &x = c.shape(c.input(0));
  Attrs a;
  a.set("kernel", std::vector<int64_t>{x[2], x[3]});
  return a;
}

std::vector<int64_t> input_size(const GradContext &c) {
  const Shape &x = c.shape(c.input(0));
  return {x[2], x[3]};
}

}  // namespace

void grad_max_pool2d(GradContext &c) {
  if (c.attrs().has("dilation") && c.attrs().get_ints("dilation") != std::vector<int64_t>{1, 1})
    throw UserError("node '" + c.node().name +
                    "' (max_pool2d): a dilation other than 1 has no gradient rule");
  c.set_dx(0, c.emit("max_pool2d_backward", "grad_x", {c.dy(), c.input(0)}, window_of(c)));
}

void grad_avg_pool2d(GradContext &c) {
  Attrs a = window_of(c);
  a.set("count_include_pad", c.attrs().get("count_include_pad"));
  a.set("input_size", input_size(c));
  c.set_dx(0, c.emit("avg_pool2d_backward", "grad_x", {c.dy()}, a));
}

void grad_global_max_pool(GradContext &c) {
  c.set_dx(0, c.emit("max_pool2d_backward", "grad_x", {c.dy(), c.input(0)}, whole_plane(c)));
}

void grad_global_avg_pool(GradContext &c) {
  Attrs a = whole_plane(c);
  a.set("input_size", input_size(c));
  c.set_dx(0, c.emit("avg_pool2d_backward", "grad_x", {c.dy()}, a));
}

}  // namespace kiln::ir::grads
