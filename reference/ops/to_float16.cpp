// Reference to_float16 (ir/ops/to_float16.cpp): rounding to float16's grid
// with the current (round-to-nearest-even) mode: 11 significant bits for
// normal values, a quantum of 2^-24 below 2^-14 (subnormals).
#include <cmath>

#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

namespace {

double round_to_float16(double v) {
  if (!std::isfinite(v) || v == 0) return v;
  const double a = std::fabs(v);
  if (a >= 65520.0) return std::copysign(INFINITY, v);  // past 65504 + half an ulp
  int e = 0;
  std::frexp(a, &e);  // a in [2^(e-1), 2^e)
  const double quantum = a < 0x1p-14 ? 0x1p-24 : std::ldexp(1.0, e - 11);
  return std::copysign(std::nearbyint(a / quantum) * quantum, v);
}

template <typename T>
std::vector<BasicTensor<T>> to_float16_kernel(const ir::Node &node, const Inputs<T> &in) {
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  for (size_t i = 0; i < out[0].data.size(); i++)
    out[0].data[i] = static_cast<T>(round_to_float16(static_cast<double>(in[0]->data[i])));
  return out;
}

}  // namespace

KILN_REF_KERNEL(to_float16)

}  // namespace kiln::reference::ops
