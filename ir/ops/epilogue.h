// The fused epilogue of conv2d and dense, set by the fuse-epilogue pass:
//
//   y = post_activation(activation(layer(x) + bias) + residual)
//
// Its attributes are internal (the JSON spec does not accept them) and
// optional: an absent attribute means "none" (no residual), so a layer the
// pass did not touch keeps its attributes, printed IR and kernel key. The
// residual is the layer's last input and has the output's shape.
//
// The activations are the scalar activations (ir/ops/scalar_activations.h);
// an activation's own attributes travel with it, prefixed by its slot:
// leaky_relu(alpha=0.1) fused as `activation` sets activation="leaky_relu"
// and activation_alpha=0.1; as `post_activation`, post_activation_alpha.
#pragma once

#include <string>
#include <vector>

#include "ir/op.h"

namespace kiln::ir::ops {

struct Epilogue {
  std::string activation = "none";       // a scalar activation or none
  bool has_residual = false;             // an input added after `activation`
  std::string post_activation = "none";  // applied after the residual add
  // Each activation's own attributes, defaults filled in (empty for none).
  Attrs activation_attrs, post_activation_attrs;

  bool empty() const { return activation == "none" && !has_residual && post_activation == "none"; }
};

// Whether `op` has the epilogue attributes (conv2d and dense do).
bool takes_epilogue(const std::string &op);

// The activations an epilogue applies: the scalar activations.
bool is_epilogue_activation(const std::string &op);

// Sets the epilogue slot `slot` ("activation" or "post_activation") of a
// layer's attributes to activation op `op` with the op's attributes `attrs`.
void set_epilogue_activation(Attrs &layer, const std::string &slot, const std::string &op,
                             const Attrs &attrs);

// The attribute specs conv2d and dense append to their own.
std::vector<AttrSpec> epilogue_attrs();

// The epilogue a node's attributes describe. Throws UserError when a slot's
// attributes do not fit its activation (an alpha for relu).
Epilogue epilogue_of(const Attrs &attrs);

// Index of the residual among the node inputs (after x, weight and the bias
// when use_bias is set).
size_t residual_input(const Attrs &attrs);

// The shape rule for the inputs after x and weight: a bias of `bias_shape`
// iff use_bias, then a residual of type `out` iff has_residual, nothing else.
// Throws UserError saying what is missing or mismatched.
void check_bias_and_residual(const Attrs &attrs, const std::vector<TensorType> &in,
                             const Shape &bias_shape, const TensorType &out);

// The flops of the epilogue over `out`: what the standalone activation and
// add ops would cost.
int64_t epilogue_flops(const Attrs &attrs, const TensorType &out);

}  // namespace kiln::ir::ops
