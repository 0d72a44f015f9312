// The fused epilogue of conv2d and dense on the reference's double
// accumulator: y = post_activation(activation(acc) + residual), where acc
// already holds the bias (ir/ops/epilogue.h). The activations are the same
// formulas as the standalone kernels: reference/ops/scalar_activations.h.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "ir/errors.h"
#include "ir/ops/epilogue.h"
#include "reference/ops/ref_util.h"
#include "reference/ops/scalar_activations.h"

namespace kiln::reference::ops {

using Activation = ScalarFn;

// The epilogue activation `name` with its attributes; "none" is the identity.
inline Activation ref_activation(const std::string &name, const ir::Attrs &attrs = {}) {
  return scalar_activation(name, attrs);
}

// The layer's bias, or null: the input after the weight when use_bias is set.
template <typename T>
const BasicTensor<T> *layer_bias(const ir::Node &node, const std::vector<const BasicTensor<T> *> &in) {
  return node.attrs.get_int("use_bias") ? in.at(2) : nullptr;
}

// T: the element type of the kernel's tensors (float32, or float64 for
// finite differences).
template <typename T>
class BasicRefEpilogue {
 public:
  BasicRefEpilogue(const ir::Node &node, const std::vector<const BasicTensor<T> *> &in) {
    ir::ops::Epilogue e = ir::ops::epilogue_of(node.attrs);
    activation_ = ref_activation(e.activation, e.activation_attrs);
    post_ = ref_activation(e.post_activation, e.post_activation_attrs);
    if (e.has_residual) residual_ = in.at(ir::ops::residual_input(node.attrs));
  }
  // The output element at row-major index `i` from its accumulator.
  double apply(double acc, int64_t i) const {
    double v = activation_(acc);
    if (residual_) v += residual_->data[i];
    return post_(v);
  }

 private:
  Activation activation_, post_;
  const BasicTensor<T> *residual_ = nullptr;
};

using RefEpilogue = BasicRefEpilogue<float>;

}  // namespace kiln::reference::ops
