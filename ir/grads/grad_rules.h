// Gradient rules and training forms (OpDef::grad, OpDef::train_forward),
// one function per op, defined in ir/grads/<family>.cpp beside the op family
// they differentiate and bound in the op's definition. docs/training.md
// lists what each emits.
#pragma once

#include "ir/grad.h"

namespace kiln::ir::grads {

// conv2d.cpp, dense.cpp
void grad_conv2d(GradContext &c);
void grad_dense(GradContext &c);
// pooling.cpp
void grad_max_pool2d(GradContext &c);
void grad_avg_pool2d(GradContext &c);
void grad_global_max_pool(GradContext &c);
void grad_global_avg_pool(GradContext &c);
// batch_norm.cpp
void train_batch_norm(GradContext &c);
void grad_batch_norm_train(GradContext &c);
// activations.cpp
void grad_relu(GradContext &c);
void grad_sigmoid(GradContext &c);
void grad_tanh(GradContext &c);
void grad_softmax(GradContext &c);
// tensor_ops.cpp (grad_add: broadcast.cpp)
void grad_add(GradContext &c);
void grad_concat(GradContext &c);
void grad_flatten(GradContext &c);
void grad_reshape(GradContext &c);
void grad_transpose(GradContext &c);
// activations_ext.cpp: the other scalar activations (activation_backward),
// log_softmax, lrn
void grad_scalar_activation(GradContext &c);
void grad_log_softmax(GradContext &c);
void grad_lrn(GradContext &c);
// broadcast.cpp: add (above), sub, mul, div, prelu, scale_channels, matmul,
// reduce_mean and the two broadcasting ops gradients emit
void grad_sub(GradContext &c);
void grad_mul(GradContext &c);
void grad_div(GradContext &c);
void grad_prelu(GradContext &c);
void grad_scale_channels(GradContext &c);
void grad_matmul(GradContext &c);
void grad_reduce_mean(GradContext &c);
void grad_broadcast_to(GradContext &c);
void grad_sum_to_shape(GradContext &c);
// layout.cpp
void grad_slice(GradContext &c);
void grad_pad(GradContext &c);
void grad_permute(GradContext &c);
// conv_transpose2d.cpp
void grad_conv_transpose2d(GradContext &c);
// recurrent.cpp: rnn, lstm and gru unrolled over time into ordinary ops
void train_recurrent(GradContext &c);
// dropout.cpp
void train_dropout(GradContext &c);
void grad_dropout_train(GradContext &c);
// losses.cpp: every loss op
void grad_loss(GradContext &c);

// Throws UserError when a conv2d or dense node carries a fused epilogue:
// rules are written for unfused graphs (autodiff runs before fusion).
void expect_unfused(const GradContext &c);

}  // namespace kiln::ir::grads
