// Reference activation_backward (ir/ops/activation_backward.cpp): dy * f'(x)
// in double, with f' written out per activation. At a kink the derivative is
// PyTorch's choice (leaky_relu and prelu: slope 1 at 0; relu6, clip: 1
// inside the closed interval for clip, the open one for relu6).
#include <cmath>
#include <functional>

#include "ir/errors.h"
#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

namespace {

double sigmoid(double v) { return 1.0 / (1.0 + std::exp(-v)); }

double softplus(double v) { return v > 0 ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v)); }

// f'(x) of activation `name`; `a` holds its attributes with defaults.
std::function<double(double)> derivative(const std::string &name, const ir::Attrs &a) {
  auto f = [&a](const char *attr) { return a.get_float(attr); };
  if (name == "relu") return [](double x) { return x > 0 ? 1.0 : 0.0; };
  if (name == "sigmoid") return [](double x) { return sigmoid(x) * (1 - sigmoid(x)); };
  if (name == "tanh") return [](double x) { return 1 - std::tanh(x) * std::tanh(x); };
  if (name == "elu") {
    const double alpha = f("alpha");
    return [alpha](double x) { return x > 0 ? 1.0 : alpha * std::exp(x); };
  }
  if (name == "selu") {
    const double alpha = f("alpha"), gamma = f("gamma");
    return [alpha, gamma](double x) { return gamma * (x > 0 ? 1.0 : alpha * std::exp(x)); };
  }
  if (name == "swish")
    return [](double x) {
      const double s = sigmoid(x);
      return s + x * s * (1 - s);
    };
  if (name == "mish")
    return [](double x) {
      const double t = std::tanh(softplus(x));
      return t + x * (1 - t * t) * sigmoid(x);
    };
  if (name == "softplus") {
    const double beta = f("beta"), threshold = f("threshold");
    return [beta, threshold](double x) { return beta * x > threshold ? 1.0 : sigmoid(beta * x); };
  }
  if (name == "leaky_relu") {
    const double alpha = f("alpha");
    return [alpha](double x) { return x >= 0 ? 1.0 : alpha; };
  }
  if (name == "relu6") return [](double x) { return x > 0 && x < 6 ? 1.0 : 0.0; };
  if (name == "hard_sigmoid") {
    const double alpha = f("alpha"), beta = f("beta");
    return [alpha, beta](double x) {
      const double v = alpha * x + beta;
      return v > 0 && v < 1 ? alpha : 0.0;
    };
  }
  if (name == "hard_swish")
    return [](double x) { return x < -3 ? 0.0 : x > 3 ? 1.0 : x / 3 + 0.5; };
  if (name == "softsign")
    return [](double x) {
      const double d = 1 + std::fabs(x);
      return 1 / (d * d);
    };
  if (name == "clip") {
    const bool has_min = a.has("min"), has_max = a.has("max");
    const double lo = has_min ? f("min") : 0, hi = has_max ? f("max") : 0;
    return [=](double x) {
      if (has_min && has_max && lo > hi) return 0.0;  // the output is max everywhere
      return (!has_min || x >= lo) && (!has_max || x <= hi) ? 1.0 : 0.0;
    };
  }
  throw InternalError("activation_backward: no derivative for activation '" + name + "'");
}

}  // namespace

template <typename T>
std::vector<BasicTensor<T>> activation_backward_kernel(const ir::Node &node, const Inputs<T> &in) {
  const std::string act = node.attrs.get_string("activation");
  ir::Attrs attrs;
  for (const auto &[name, value] : node.attrs.all())
    if (name != "activation") attrs.set(name, value);
  const auto d = derivative(act, ir::normalize_attrs(ir::get_op(act), attrs, "activation " + act));
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  for (int64_t k = 0; k < out[0].numel(); k++)
    out[0].data[k] = static_cast<T>(static_cast<double>(in[0]->data[k]) * d(in[1]->data[k]));
  return out;
}

KILN_REF_KERNEL(activation_backward)

}  // namespace kiln::reference::ops
