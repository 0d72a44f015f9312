#include "reference/ops/scalar_activations.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "ir/errors.h"
#include "ir/op.h"

namespace kiln::reference::ops {

namespace {

// Binds an activation's attributes into its function.
using Binder = ScalarFn (*)(const ir::Attrs &);

struct Entry {
  const char *name;
  Binder bind;
};

double sigmoid(double v) { return 1.0 / (1.0 + std::exp(-v)); }

double elu(double v, double alpha) { return v > 0 ? v : alpha * std::expm1(v); }

double bound_or(const ir::Attrs &a, const char *name, double fallback) {
  return a.has(name) ? a.get_float(name) : fallback;
}

const Entry kTable[] = {
    {"relu",
     [](const ir::Attrs &) -> ScalarFn { return [](double v) { return v > 0 ? v : 0.0; }; }},
    {"sigmoid", [](const ir::Attrs &) -> ScalarFn { return sigmoid; }},
    {"tanh", [](const ir::Attrs &) -> ScalarFn { return [](double v) { return std::tanh(v); }; }},
    {"elu",
     [](const ir::Attrs &a) -> ScalarFn {
       double alpha = a.get_float("alpha");
       return [alpha](double v) { return elu(v, alpha); };
     }},
    {"selu",
     [](const ir::Attrs &a) -> ScalarFn {
       double alpha = a.get_float("alpha"), gamma = a.get_float("gamma");
       return [alpha, gamma](double v) { return gamma * elu(v, alpha); };
     }},
    {"swish",
     [](const ir::Attrs &) -> ScalarFn { return [](double v) { return v * sigmoid(v); }; }},
    {"mish",
     [](const ir::Attrs &) -> ScalarFn {
       return [](double v) { return v * std::tanh(stable_softplus(v)); };
     }},
    {"softplus",
     [](const ir::Attrs &a) -> ScalarFn {
       double beta = a.get_float("beta"), threshold = a.get_float("threshold");
       return [beta, threshold](double v) {
         double z = beta * v;
         return z > threshold ? v : stable_softplus(z) / beta;
       };
     }},
    {"leaky_relu",
     [](const ir::Attrs &a) -> ScalarFn {
       double alpha = a.get_float("alpha");
       return [alpha](double v) { return v >= 0 ? v : alpha * v; };
     }},
    {"relu6",
     [](const ir::Attrs &) -> ScalarFn {
       return [](double v) { return std::min(std::max(v, 0.0), 6.0); };
     }},
    {"hard_sigmoid",
     [](const ir::Attrs &a) -> ScalarFn {
       double alpha = a.get_float("alpha"), beta = a.get_float("beta");
       return [alpha, beta](double v) { return std::max(0.0, std::min(1.0, alpha * v + beta)); };
     }},
    {"hard_swish",
     [](const ir::Attrs &) -> ScalarFn {
       return [](double v) { return v * std::max(0.0, std::min(1.0, v / 6 + 0.5)); };
     }},
    {"softsign",
     [](const ir::Attrs &) -> ScalarFn { return [](double v) { return v / (1 + std::fabs(v)); }; }},
    {"clip",
     [](const ir::Attrs &a) -> ScalarFn {
       const double inf = std::numeric_limits<double>::infinity();
       double lo = bound_or(a, "min", -inf), hi = bound_or(a, "max", inf);
       return [lo, hi](double v) { return std::min(std::max(v, lo), hi); };
     }},
};

}  // namespace

double stable_softplus(double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x))); }

ScalarFn scalar_activation(const std::string &name, const ir::Attrs &attrs) {
  if (name == "none") return [](double v) { return v; };
  for (const Entry &e : kTable)
    if (name == e.name)
      return e.bind(ir::normalize_attrs(ir::get_op(name), attrs, "activation " + name));
  throw InternalError("no reference formula for scalar activation '" + name + "'");
}

std::vector<std::string> reference_scalar_activation_names() {
  std::vector<std::string> names;
  for (const Entry &e : kTable) names.push_back(e.name);
  return names;
}

}  // namespace kiln::reference::ops
