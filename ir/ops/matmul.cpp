// matmul: batched matrix products, a [..., M, K] times b [..., K, N] ->
// [..., M, N], the batch dimensions broadcasting as in numpy (ONNX MatMul
// with a batched B; a matrix B is a dense layer instead).
#include "ir/ops/broadcast.h"
#include "ir/grads/grad_rules.h"
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

OpDef def_matmul() {
  OpDef d;
  d.name = "matmul";
  d.doc = "batched matrix product [..., M, K] x [..., K, N], batch dimensions broadcast";
  d.inputs = {{"a"}, {"b"}};
  d.infer = [](const Attrs &, const std::vector<TensorType> &in) {
    const Shape &a = in[0].shape, &b = in[1].shape;
    if (a.size() < 2 || b.size() < 2)
      throw UserError("both inputs must have rank 2 or more, got " + shape_str(a) + " and " +
                      shape_str(b));
    if (a.back() != b[b.size() - 2])
      throw UserError("the inner dimensions differ: " + shape_str(a) + " times " + shape_str(b));
    Shape out = broadcast_shape(Shape(a.begin(), a.end() - 2), Shape(b.begin(), b.end() - 2));
    out.push_back(a[a.size() - 2]);
    out.push_back(b.back());
    return std::vector<TensorType>{{DType::F32, out}};
  };
  d.cost = [](const Attrs &, const std::vector<TensorType> &in,
              const std::vector<TensorType> &out) {
    Cost c;
    c.macs = out[0].numel() * in[0].shape.back();
    c.flops = 2 * c.macs;
    return c;
  };
  d.grad = grads::grad_matmul;
  return d;
}

}  // namespace kiln::ir::ops
