// Pooling over NCHW: max_pool2d and avg_pool2d (overlapping windows, padding,
// ceil mode; max pooling may dilate its window, average pooling may count the
// padding or not), and the global
// poolings, which reduce H and W to 1x1.
#include "ir/grads/grad_rules.h"
#include "ir/ops/op_helpers.h"
#include "ir/ops/window.h"

namespace kiln::ir::ops {

namespace {

std::vector<AttrSpec> window_attrs() {
  return {
      {"kernel", AttrKind::Pair, std::nullopt, "window height and width"},
      {"stride", AttrKind::Pair, std::nullopt, "stride (default: the kernel)", {}, true},
      {"padding", AttrKind::Padding, std::string("valid"), "valid, same or [t,l,b,r]"},
      {"ceil_mode", AttrKind::Bool, int64_t{0}, "round the output size up"},
  };
}

std::vector<TensorType> infer_pool(const Attrs &a, const std::vector<TensorType> &in) {
  expect_rank(in[0], 4, "the input (NCHW)");
  Window2d w = resolve_window(a, in[0].shape[2], in[0].shape[3], true, a.get_int("ceil_mode"));
  if (w.pad_top >= w.kernel_h || w.pad_bottom >= w.kernel_h || w.pad_left >= w.kernel_w ||
      w.pad_right >= w.kernel_w)
    throw UserError("pooling padding must be smaller than the window");
  return {{DType::F32, {in[0].shape[0], in[0].shape[1], w.out_h, w.out_w}}};
}

Cost window_cost(const Attrs &a, const std::vector<TensorType> &,
                 const std::vector<TensorType> &out) {
  const auto &k = a.get_ints("kernel");
  return elementwise_cost(out, k[0] * k[1]);
}

std::vector<TensorType> infer_global(const Attrs &, const std::vector<TensorType> &in) {
  expect_rank(in[0], 4, "the input (NCHW)");
  return {{DType::F32, {in[0].shape[0], in[0].shape[1], 1, 1}}};
}

Cost global_cost(const Attrs &, const std::vector<TensorType> &in,
                 const std::vector<TensorType> &) {
  return elementwise_cost(in);
}

}  // namespace

OpDef def_max_pool2d() {
  OpDef d;
  d.name = "max_pool2d";
  d.doc = "2-D max pooling, NCHW; padding never wins the max";
  d.inputs = {{"x"}};
  d.attrs = window_attrs();
  // Absent unless set, so that graphs without it print and hash as before.
  d.attrs.push_back({"dilation",
                     AttrKind::Pair,
                     std::nullopt,
                     "spacing of the window's taps (default 1; ONNX MaxPool's dilations)",
                     {},
                     true});
  d.infer = infer_pool;
  d.cost = window_cost;
  d.grad = grads::grad_max_pool2d;
  return d;
}

OpDef def_avg_pool2d() {
  OpDef d;
  d.name = "avg_pool2d";
  d.doc = "2-D average pooling, NCHW";
  d.inputs = {{"x"}};
  d.attrs = window_attrs();
  d.attrs.push_back({"count_include_pad", AttrKind::Bool, int64_t{0},
                     "divide by the window size including padding"});
  d.infer = infer_pool;
  d.cost = window_cost;
  d.grad = grads::grad_avg_pool2d;
  return d;
}

OpDef def_global_avg_pool() {
  OpDef d;
  d.name = "global_avg_pool";
  d.doc = "mean over H and W: [N,C,H,W] -> [N,C,1,1]";
  d.inputs = {{"x"}};
  d.infer = infer_global;
  d.cost = global_cost;
  d.grad = grads::grad_global_avg_pool;
  return d;
}

OpDef def_global_max_pool() {
  OpDef d;
  d.name = "global_max_pool";
  d.doc = "max over H and W: [N,C,H,W] -> [N,C,1,1]";
  d.inputs = {{"x"}};
  d.infer = infer_global;
  d.cost = global_cost;
  d.grad = grads::grad_global_max_pool;
  return d;
}

}  // namespace kiln::ir::ops
