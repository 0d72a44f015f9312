// Halide lowering of dropout while training: the mask hash of
// ir/ops/dropout_mask.h in uint32 arithmetic (wrapping, as in C++), so the
// compiled mask is bit-identical to the reference's.
#include "codegen/ops/train_lower_util.h"
#include "ir/ops/dropout_mask.h"

namespace kiln::codegen::ops {

namespace {

using namespace Halide;

Expr u32(uint32_t v) { return Expr(v); }

// ir::ops::dropout_hash, term by term.
Expr dropout_hash(Expr seed, Expr step, Expr index) {
  Expr h = seed ^ (step * u32(0x9E3779B9u)) ^ (index * u32(0x85EBCA6Bu));
  h = h ^ (h >> 16);
  h = h * u32(0x7FEB352Du);
  h = h ^ (h >> 15);
  h = h * u32(0x846CA68Bu);
  return h ^ (h >> 16);
}

LoweredKernel lower_masked(const LowerRequest &req, const std::string &name) {
  const double rate = req.node.attrs.get_float("rate");
  const auto seed = static_cast<uint32_t>(req.node.attrs.get_int("seed"));
  const uint32_t threshold = ir::ops::dropout_threshold(rate);
  const float scale = static_cast<float>(1.0 / (1.0 - rate));
  return lower_elementwise_multi(req, name, {false, true}, [&](const ElementwiseKernel &k) {
    Expr h = dropout_hash(u32(seed), cast<uint32_t>(k.scalar(1)), cast<uint32_t>(k.i));
    return std::vector<Expr>{select((h >> 8) >= u32(threshold), k.at(0) * scale, 0.0f)};
  });
}

}  // namespace

LoweredKernel lower_dropout_train(const LowerRequest &req) {
  return lower_masked(req, "dropout_train");
}
LoweredKernel lower_dropout_backward(const LowerRequest &req) {
  return lower_masked(req, "dropout_backward");
}

}  // namespace kiln::codegen::ops
