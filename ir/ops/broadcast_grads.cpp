// The two halves of broadcasting, used by gradient rules:
//   sum_to_shape(x)  sums x over the axes `shape` is broadcast along (numpy
//                    alignment at the last axis), times `scale`: the gradient
//                    of an input that was broadcast (add, mul, prelu's slope,
//                    matmul's batch axes)
//   broadcast_to(x)  x broadcast to `shape`, times `scale`: reduce_mean's
//                    gradient (scale 1 / count)
#include "ir/grads/grad_rules.h"
#include "ir/ops/broadcast.h"
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

namespace {

// Whether `small` broadcasts to `big` without changing `big`.
bool broadcasts_to(const Shape &small, const Shape &big) {
  if (small.size() > big.size()) return false;
  try {
    return broadcast_shape(small, big) == big;
  } catch (const UserError &) {
    return false;
  }
}

OpDef shape_and_scale(const std::string &name, const std::string &doc) {
  OpDef d;
  d.name = name;
  d.internal = true;
  d.doc = doc;
  d.inputs = {{"x"}};
  d.attrs = {{"shape", AttrKind::Ints, std::nullopt, "the output's shape"},
             {"scale", AttrKind::Float, 1.0, "multiplies every output element"}};
  d.cost = [](const Attrs &, const std::vector<TensorType> &in,
              const std::vector<TensorType> &out) {
    return elementwise_cost(in[0].numel() > out[0].numel() ? in : out);
  };
  return d;
}

}  // namespace

OpDef def_sum_to_shape() {
  OpDef d = shape_and_scale("sum_to_shape", "scale * x summed over the axes `shape` broadcasts in");
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    const Shape shape = a.get_ints("shape");
    if (!broadcasts_to(shape, in[0].shape))
      throw UserError("shape " + shape_str(shape) + " does not broadcast to the input " +
                      shape_str(in[0].shape));
    return std::vector<TensorType>{{DType::F32, shape}};
  };
  d.grad = grads::grad_sum_to_shape;
  return d;
}

OpDef def_broadcast_to() {
  OpDef d = shape_and_scale("broadcast_to", "scale * x broadcast to `shape`");
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    const Shape shape = a.get_ints("shape");
    if (!broadcasts_to(in[0].shape, shape))
      throw UserError("the input " + shape_str(in[0].shape) + " does not broadcast to " +
                      shape_str(shape));
    return std::vector<TensorType>{{DType::F32, shape}};
  };
  d.grad = grads::grad_broadcast_to;
  return d;
}

}  // namespace kiln::ir::ops
