// conv2d_dw_pw: a depthwise conv2d (groups == input channels == filters) and
// the 1x1, stride-1, groups-1 conv2d that alone reads it, as one node. Set by
// the fuse-depthwise-pointwise pass (passes/fuse_depthwise_pointwise.h) so
// the depthwise output never goes to memory (codegen/ops/conv_dw_pw.cpp).
//
// Inputs: x [N, C, H, W], dw_weight [C, 1, kh, kw], dw_bias [C],
// pw_weight [F, C, 1, 1], pw_bias [F], then the pointwise residual when
// pw_has_residual is set. Both biases are always present (the pass adds a
// zero bias for a conv without one: adding 0.0 changes no value).
//
// Attributes: each conv's own conv2d attributes, prefixed: dw_kernel,
// dw_stride, dw_dilation, dw_padding, dw_padding_mode and the depthwise
// epilogue's activation (dw_activation, dw_activation_<attr>); pw_filters
// and the pointwise epilogue (pw_activation, pw_has_residual,
// pw_post_activation and their attributes). split_dw_pw gives back the two
// conv2d attribute sets, which the reference and the lowering run.
#pragma once

#include <string>
#include <vector>

#include "ir/op.h"

namespace kiln::ir::ops {

struct DwPwConvs {
  Attrs depthwise, pointwise;  // conv2d attributes, normalized
};

// The two conv2d attribute sets of a conv2d_dw_pw node over `channels` input
// channels.
DwPwConvs split_dw_pw(const Attrs &fused, int64_t channels);

// The conv2d attributes that travel with the depthwise conv (prefixed dw_)
// and the pointwise one (prefixed pw_); anything else on either conv must
// have its default for the pass to fuse them.
const std::vector<std::string> &dw_carried_attrs();
const std::vector<std::string> &pw_carried_attrs();

}  // namespace kiln::ir::ops
