// Reference losses, in double: the mean loss and its gradient with respect
// to the prediction (docs/training.md has the formulas).
#include <algorithm>
#include <cmath>

#include "ir/errors.h"
#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

namespace {

// loss = mean of term(p, t); grad = dterm(p, t) / n, elementwise.
template <typename T, typename Term, typename DTerm>
std::vector<BasicTensor<T>> elementwise_loss(const ir::Node &node, const Inputs<T> &in, Term term,
                                             DTerm dterm) {
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const BasicTensor<T> &p = *in[0], &t = *in[1];
  const double n = static_cast<double>(p.numel());
  double sum = 0;
  for (int64_t k = 0; k < p.numel(); k++) {
    sum += term(static_cast<double>(p.data[k]), static_cast<double>(t.data[k]));
    out[1].data[k] =
        static_cast<T>(dterm(static_cast<double>(p.data[k]), static_cast<double>(t.data[k])) / n);
  }
  out[0].data[0] = static_cast<T>(sum / n);
  return out;
}

}  // namespace

template <typename T>
std::vector<BasicTensor<T>> mse_loss_kernel(const ir::Node &n, const Inputs<T> &in) {
  return elementwise_loss(
      n, in, [](double p, double t) { return (p - t) * (p - t); },
      [](double p, double t) { return 2 * (p - t); });
}

template <typename T>
std::vector<BasicTensor<T>> bce_loss_kernel(const ir::Node &n, const Inputs<T> &in) {
  // PyTorch's binary_cross_entropy: logs clamped at -100, the gradient's
  // denominator at 1e-12.
  return elementwise_loss(
      n, in,
      [](double p, double t) {
        return -(t * std::max(std::log(p), -100.0) + (1 - t) * std::max(std::log1p(-p), -100.0));
      },
      [](double p, double t) { return (p - t) / std::max(p * (1 - p), 1e-12); });
}

template <typename T>
std::vector<BasicTensor<T>> bce_with_logits_loss_kernel(const ir::Node &n, const Inputs<T> &in) {
  return elementwise_loss(
      n, in,
      [](double x, double t) {
        return std::max(x, 0.0) - x * t + std::log1p(std::exp(-std::fabs(x)));
      },
      [](double x, double t) { return 1.0 / (1.0 + std::exp(-x)) - t; });
}

template <typename T>
std::vector<BasicTensor<T>> softmax_cross_entropy_kernel(const ir::Node &node,
                                                         const Inputs<T> &in) {
  const BasicTensor<T> &x = *in[0], &labels = *in[1];
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const int64_t rows = x.shape[0], classes = x.shape[1];
  double total = 0;
  for (int64_t r = 0; r < rows; r++) {
    const double l = labels.data[r];
    if (!(l >= 0 && l < classes && l == std::floor(l)))
      throw UserError("node '" + node.name + "': label " + std::to_string(l) + " of row " +
                      std::to_string(r) + " is not a class index in [0, " +
                      std::to_string(classes) + ")");
    const T *row = &x.data[r * classes];
    double m = *std::max_element(row, row + classes), sum = 0;
    for (int64_t k = 0; k < classes; k++) sum += std::exp(row[k] - m);
    total += m + std::log(sum) - row[static_cast<int64_t>(l)];
    for (int64_t k = 0; k < classes; k++)
      out[1].data[r * classes + k] = static_cast<T>(
          (std::exp(row[k] - m) / sum - (k == static_cast<int64_t>(l) ? 1.0 : 0.0)) / rows);
  }
  out[0].data[0] = static_cast<T>(total / rows);
  return out;
}

KILN_REF_KERNEL(mse_loss)
KILN_REF_KERNEL(bce_loss)
KILN_REF_KERNEL(bce_with_logits_loss)
KILN_REF_KERNEL(softmax_cross_entropy)

}  // namespace kiln::reference::ops
