// fuse-epilogue: a conv2d or dense followed by its activation, a residual
// add and a second activation becomes one node, whose epilogue
// (ir/ops/epilogue.h) does that work in the layer's own kernel:
//
//   layer -> act                         sets `activation` (and its attributes)
//   layer (-> act) -> add(layer, R)      sets `has_residual`; R becomes the
//                                        layer's last input
//   ... -> add -> act                    sets `post_activation` (and its attributes)
//
// `act` is any scalar activation (relu, leaky_relu(alpha), ...:
// ir/ops/scalar_activations.h); its attributes become the layer's
// <slot>_<attr> attributes. R must have the layer's output shape (a
// broadcasting add stays a node).
//
// Each step needs the layer's current output to have exactly one reader (the
// node fused) and not to be a graph output. R must be a graph input, a
// parameter or the output of a node before the layer, so the node order stays
// an execution order; a residual comes before post_activation only. A graph
// output that is fused in keeps its name.
#pragma once

#include "ir/graph.h"

namespace kiln::passes {

ir::Graph fuse_epilogue(const ir::Graph &g);

}  // namespace kiln::passes
