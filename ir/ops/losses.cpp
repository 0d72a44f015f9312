// Losses. Each outputs the mean loss (shape [1]) and its gradient with
// respect to the prediction, computed together (docs/training.md):
//   mse_loss(p, t)                 mean((p - t)^2)
//   bce_loss(p, t)                 -mean(t log p + (1 - t) log(1 - p)), logs clamped at -100
//   bce_with_logits_loss(x, t)     bce_loss(sigmoid(x), t), computed stably from x
//   softmax_cross_entropy(x, l)    mean over rows of logsumexp(x) - x[l]; x [N, K], l [N]
//                                  class indices held as float32
#include "ir/grads/grad_rules.h"
#include "ir/ops/op_helpers.h"

namespace kiln::ir::ops {

namespace {

OpDef loss(const std::string &name, const std::string &doc, int64_t flops) {
  OpDef d;
  d.name = name;
  d.internal = true;
  d.doc = doc + "; outputs the loss [1] and its gradient";
  d.inputs = {{"prediction"}, {"target"}};
  d.infer = [](const Attrs &, const std::vector<TensorType> &in) {
    expect_shape(in[1], in[0].shape, "the target");
    return std::vector<TensorType>{{DType::F32, {1}}, in[0]};
  };
  d.cost = [flops](const Attrs &, const std::vector<TensorType> &in,
                   const std::vector<TensorType> &) { return elementwise_cost({in[0]}, flops); };
  d.grad = grads::grad_loss;
  return d;
}

}  // namespace

OpDef def_mse_loss() { return loss("mse_loss", "mean squared error", 4); }
OpDef def_bce_loss() { return loss("bce_loss", "binary cross-entropy of probabilities", 8); }
OpDef def_bce_with_logits_loss() {
  return loss("bce_with_logits_loss", "binary cross-entropy of logits", 10);
}

OpDef def_softmax_cross_entropy() {
  OpDef d = loss("softmax_cross_entropy", "cross-entropy of softmax(logits) and class labels", 8);
  d.inputs = {{"logits"}, {"labels"}};
  d.infer = [](const Attrs &, const std::vector<TensorType> &in) {
    expect_rank(in[0], 2, "the logits [batch, classes]");
    expect_shape(in[1], {in[0].shape[0]}, "the labels (one class index per row)");
    return std::vector<TensorType>{{DType::F32, {1}}, in[0]};
  };
  d.grad = grads::grad_loss;
  return d;
}

}  // namespace kiln::ir::ops
