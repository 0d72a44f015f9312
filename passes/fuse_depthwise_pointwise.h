// fuse-depthwise-pointwise: a depthwise conv2d (groups == input channels ==
// filters, 3x3, its epilogue an activation at most) whose output is read only
// by a 1x1, stride-1, unpadded, groups-1 conv2d (as its data input, with any
// epilogue) becomes one conv2d_dw_pw node (ir/ops/conv_dw_pw.h), whose
// kernel keeps the depthwise output in cache (codegen/ops/conv_dw_pw.cpp).
//
// Runs after fuse-epilogue, so both convs carry their bias (folded batch
// norm) and activations. The fused node takes the pointwise node's place,
// name and output (its residual, if any, is defined before it); a conv
// without a bias gets a zero one. Convs with pretransformed weights or an
// algorithm set in the model are left alone, and so is every conv when
// --conv-algo forces one (pass_manager.cpp).
//
// Gated by shape: only where the fused kernel measured faster than the two
// kernels it replaces (32 channels or fewer at stride 1: the measurements are
// in the .cpp). fuse_depthwise_pointwise_all (the pass
// fuse-depthwise-pointwise-all) fuses every pair the pattern matches.
#pragma once

#include "ir/graph.h"

namespace kiln::passes {

ir::Graph fuse_depthwise_pointwise(const ir::Graph &g);

// Every depthwise/pointwise pair the pattern matches, whatever the shape
// gate says (for tests and experiments).
ir::Graph fuse_depthwise_pointwise_all(const ir::Graph &g);

}  // namespace kiln::passes
