// fold-batchnorm: an inference batch_norm whose input is a conv2d or dense
// output used by nothing else is folded into that layer's weights and bias:
//   s = gamma / sqrt(var + eps);  W' = W * s (per output channel);
//   b' = (b - mean) * s + beta
// (a layer without a bias gets one). A batch_norm after anything else stays
// as it is: a per-channel scale and shift.
#pragma once

#include "ir/graph.h"

namespace kiln::passes {

ir::Graph fold_batchnorm(const ir::Graph &g);

}  // namespace kiln::passes
