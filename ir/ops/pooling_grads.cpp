// Backward ops of pooling, with the forward pool's window attributes:
//   max_pool2d_backward(dy, x) -> dx: each window's gradient goes to its
//       first maximum (row-major order inside the window), as PyTorch does
//   avg_pool2d_backward(dy)    -> dx [N, C, H, W] (H, W: `input_size`): each
//       window's gradient spread over its elements, divided as the forward
// The global poolings differentiate as a window over the whole plane.
#include "ir/ops/op_helpers.h"
#include "ir/ops/window.h"

namespace kiln::ir::ops {

namespace {

// The forward pool's window (ir/ops/pooling.cpp, same defaults).
std::vector<AttrSpec> pool_window_attrs() {
  return {
      {"kernel", AttrKind::Pair, std::nullopt, "window height and width"},
      {"stride", AttrKind::Pair, std::nullopt, "stride (default: the kernel)", {}, true},
      {"padding", AttrKind::Padding, std::string("valid"), "valid, same or [t,l,b,r]"},
      {"ceil_mode", AttrKind::Bool, int64_t{0}, "round the output size up"},
  };
}

void check_dy(const Attrs &a, const TensorType &dy, int64_t n, int64_t c, int64_t h, int64_t w) {
  expect_rank(dy, 4, "dy (NCHW)");
  Window2d win = resolve_window(a, h, w, true, a.get_int("ceil_mode"));
  expect_shape(dy, {n, c, win.out_h, win.out_w}, "dy");
}

Cost window_cost(const Attrs &a, const std::vector<TensorType> &in,
                 const std::vector<TensorType> &) {
  const auto &k = a.get_ints("kernel");
  return elementwise_cost({in[0]}, k[0] * k[1]);
}

}  // namespace

OpDef def_max_pool2d_backward() {
  OpDef d;
  d.name = "max_pool2d_backward";
  d.internal = true;
  d.doc = "the gradient of max_pool2d: to each window's first maximum";
  d.inputs = {{"dy"}, {"x"}};
  d.attrs = pool_window_attrs();
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    const TensorType &x = in[1];
    expect_rank(x, 4, "x (NCHW)");
    check_dy(a, in[0], x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
    return std::vector<TensorType>{x};
  };
  d.cost = window_cost;
  return d;
}

OpDef def_avg_pool2d_backward() {
  OpDef d;
  d.name = "avg_pool2d_backward";
  d.internal = true;
  d.doc = "the gradient of avg_pool2d";
  d.inputs = {{"dy"}};
  d.attrs = pool_window_attrs();
  d.attrs.push_back({"count_include_pad", AttrKind::Bool, int64_t{0},
                     "the forward divided by the window size including padding"});
  d.attrs.push_back({"input_size", AttrKind::Pair, std::nullopt, "the forward input's H and W"});
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    const auto &size = a.get_ints("input_size");
    expect_rank(in[0], 4, "dy (NCHW)");
    check_dy(a, in[0], in[0].shape[0], in[0].shape[1], size[0], size[1]);
    return std::vector<TensorType>{
        {DType::F32, {in[0].shape[0], in[0].shape[1], size[0], size[1]}}};
  };
  d.cost = window_cost;
  return d;
}

}  // namespace kiln::ir::ops
