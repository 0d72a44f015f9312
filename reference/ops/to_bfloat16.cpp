// Reference to_bfloat16 (ir/ops/to_bfloat16.cpp): rounding to bfloat16's
// grid with the current (round-to-nearest-even) mode: 8 significant bits for
// normal values, a quantum of 2^-133 below 2^-126 (subnormals), infinity from
// 2^128 - 2^119 (the largest bfloat16, 2^128 - 2^120, plus half an ulp: the
// tie goes to the even neighbour, 2^128); or toward zero ("truncate") to the
// same grid, never to infinity. The codegen works on the float32 bits
// instead, so the two share no arithmetic.
#include <cmath>

#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

namespace {

double round_to_bfloat16(double v, bool truncate) {
  if (!std::isfinite(v) || v == 0) return v;
  const double a = std::fabs(v);
  if (a >= 0x1p128 - 0x1p119 && !truncate) return std::copysign(INFINITY, v);
  int e = 0;
  std::frexp(a, &e);  // a in [2^(e-1), 2^e)
  const double quantum = a < 0x1p-126 ? 0x1p-133 : std::ldexp(1.0, e - 8);
  const double units = truncate ? std::floor(a / quantum) : std::nearbyint(a / quantum);
  return std::copysign(units * quantum, v);
}

template <typename T>
std::vector<BasicTensor<T>> to_bfloat16_kernel(const ir::Node &node, const Inputs<T> &in) {
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const bool truncate = node.attrs.get_string("rounding") == "truncate";
  for (size_t i = 0; i < out[0].data.size(); i++)
    out[0].data[i] =
        static_cast<T>(round_to_bfloat16(static_cast<double>(in[0]->data[i]), truncate));
  return out;
}

}  // namespace

KILN_REF_KERNEL(to_bfloat16)

}  // namespace kiln::reference::ops
