// The fused epilogue of conv2d and dense on the reference's double
// accumulator: y = post_activation(activation(acc) + residual), where acc
// already holds the bias (ir/ops/epilogue.h). Same formulas as the
// standalone relu, sigmoid and tanh kernels (reference/ops/activations.cpp).
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "ir/errors.h"
#include "ir/ops/epilogue.h"
#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

using Activation = double (*)(double);

inline Activation ref_activation(const std::string &name) {
  if (name == "none") return [](double v) { return v; };
  if (name == "relu") return [](double v) { return v > 0 ? v : 0.0; };
  if (name == "sigmoid") return [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
  if (name == "tanh") return [](double v) { return std::tanh(v); };
  throw InternalError("no reference epilogue activation '" + name + "'");
}

// The layer's bias, or null: the input after the weight when use_bias is set.
inline const Tensor *layer_bias(const ir::Node &node, const std::vector<const Tensor *> &in) {
  return node.attrs.get_int("use_bias") ? in.at(2) : nullptr;
}

class RefEpilogue {
 public:
  RefEpilogue(const ir::Node &node, const std::vector<const Tensor *> &in) {
    ir::ops::Epilogue e = ir::ops::epilogue_of(node.attrs);
    activation_ = ref_activation(e.activation);
    post_ = ref_activation(e.post_activation);
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
  const Tensor *residual_ = nullptr;
};

}  // namespace kiln::reference::ops
