// The algorithms a conv2d node can be lowered with, and which of them can
// compute a given convolution. The node's `algorithm` attribute holds the
// choice: "auto" (the lowering's default heuristic) until the
// select-algorithm pass or the user names one. Shared by the pass, the
// lowering, `kiln inspect` and `kiln bench`.
#pragma once

#include <string>
#include <vector>

#include "ir/attrs.h"
#include "ir/types.h"

namespace kiln::ir::ops {

// Every concrete algorithm, in the order candidates are listed:
//   direct       register-blocked direct convolution (any conv)
//   im2col       patch matrix + tiled GEMM; a 1x1 conv is a GEMM directly
//   winograd_f2  Winograd F(2x2, 3x3): 3x3, stride 1, dilation 1, groups 1
//   winograd_f4  Winograd F(4x4, 3x3): same conditions, larger tiles
//   depthwise    one input channel per group (groups == input channels)
const std::vector<std::string> &conv_algorithms();

// The values the `algorithm` attribute accepts: "auto" and the above.
std::vector<std::string> conv_algorithm_choices();

// Empty when `algorithm` can compute the conv2d with these attributes over
// an NCHW input of shape `input`; otherwise the reason it cannot, e.g.
// "winograd_f4 needs a 3x3 kernel (this one is 1x1)".
std::string conv_algorithm_unfit(const std::string &algorithm, const Attrs &conv_attrs,
                                 const Shape &input);

}  // namespace kiln::ir::ops
