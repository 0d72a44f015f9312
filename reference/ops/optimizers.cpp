// Reference optimizer updates and learning-rate schedule, in double
// (docs/training.md has the formulas).
#include <cmath>

#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

namespace {

// Runs update(k, g, outs) for every element; g has the weight decay added.
template <typename T, typename F>
std::vector<BasicTensor<T>> for_each_element(const ir::Node &node, const Inputs<T> &in, F update) {
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const double wd = node.attrs.get_float("weight_decay");
  for (int64_t k = 0; k < in[0]->numel(); k++) {
    const double g = in[1]->data[k] + wd * in[0]->data[k];
    update(k, g, out);
  }
  return out;
}

}  // namespace

template <typename T>
std::vector<BasicTensor<T>> sgd_update_kernel(const ir::Node &node, const Inputs<T> &in) {
  const double lr = in[2]->data[0];
  return for_each_element(node, in, [&](int64_t k, double g, std::vector<BasicTensor<T>> &out) {
    out[0].data[k] = static_cast<T>(in[0]->data[k] - lr * g);
  });
}

template <typename T>
std::vector<BasicTensor<T>> momentum_update_kernel(const ir::Node &node, const Inputs<T> &in) {
  const double lr = in[2]->data[0], mu = node.attrs.get_float("momentum");
  const bool nesterov = node.attrs.get_int("nesterov");
  return for_each_element(node, in, [&](int64_t k, double g, std::vector<BasicTensor<T>> &out) {
    const double v = mu * in[3]->data[k] + g;
    out[0].data[k] = static_cast<T>(in[0]->data[k] - lr * (nesterov ? g + mu * v : v));
    out[1].data[k] = static_cast<T>(v);
  });
}

template <typename T>
std::vector<BasicTensor<T>> adagrad_update_kernel(const ir::Node &node, const Inputs<T> &in) {
  const double lr = in[2]->data[0], eps = node.attrs.get_float("epsilon");
  return for_each_element(node, in, [&](int64_t k, double g, std::vector<BasicTensor<T>> &out) {
    const double s = in[3]->data[k] + g * g;
    out[0].data[k] = static_cast<T>(in[0]->data[k] - lr * g / (std::sqrt(s) + eps));
    out[1].data[k] = static_cast<T>(s);
  });
}

template <typename T>
std::vector<BasicTensor<T>> rmsprop_update_kernel(const ir::Node &node, const Inputs<T> &in) {
  const double lr = in[2]->data[0], rho = node.attrs.get_float("rho"),
               eps = node.attrs.get_float("epsilon");
  return for_each_element(node, in, [&](int64_t k, double g, std::vector<BasicTensor<T>> &out) {
    const double s = rho * in[3]->data[k] + (1 - rho) * g * g;
    out[0].data[k] = static_cast<T>(in[0]->data[k] - lr * g / (std::sqrt(s) + eps));
    out[1].data[k] = static_cast<T>(s);
  });
}

template <typename T>
std::vector<BasicTensor<T>> adam_update_kernel(const ir::Node &node, const Inputs<T> &in) {
  const ir::Attrs &a = node.attrs;
  const double lr = in[2]->data[0], b1 = a.get_float("beta1"), b2 = a.get_float("beta2"),
               eps = a.get_float("epsilon"), t = in[5]->data[0] + 1;
  const double c1 = 1 - std::pow(b1, t), c2 = 1 - std::pow(b2, t);
  return for_each_element(node, in, [&](int64_t k, double g, std::vector<BasicTensor<T>> &out) {
    const double m = b1 * in[3]->data[k] + (1 - b1) * g, v = b2 * in[4]->data[k] + (1 - b2) * g * g;
    out[0].data[k] = static_cast<T>(in[0]->data[k] - lr * (m / c1) / (std::sqrt(v / c2) + eps));
    out[1].data[k] = static_cast<T>(m);
    out[2].data[k] = static_cast<T>(v);
  });
}

template <typename T>
std::vector<BasicTensor<T>> learning_rate_kernel(const ir::Node &node, const Inputs<T> &in) {
  const ir::Attrs &a = node.attrs;
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const double lr = a.get_float("lr"), step = in[0]->data[0];
  const std::string &schedule = a.get_string("schedule");
  double v = lr;
  if (schedule == "step") {
    v = lr * std::pow(a.get_float("gamma"),
                      std::floor(step / static_cast<double>(a.get_int("step_size"))));
  } else if (schedule == "cosine") {
    const double total = static_cast<double>(a.get_int("total_steps")),
                 min_lr = a.get_float("min_lr");
    v = min_lr + (lr - min_lr) * 0.5 * (1 + std::cos(M_PI * std::min(step, total) / total));
  }
  out[0].data[0] = static_cast<T>(v);
  return out;
}

KILN_REF_KERNEL(sgd_update)
KILN_REF_KERNEL(momentum_update)
KILN_REF_KERNEL(adagrad_update)
KILN_REF_KERNEL(rmsprop_update)
KILN_REF_KERNEL(adam_update)
KILN_REF_KERNEL(learning_rate)

}  // namespace kiln::reference::ops
