// The readable text form of a graph, used by `kiln inspect --ir`,
// --print-after and golden tests.
#pragma once

#include <string>

#include "ir/graph.h"

namespace kiln::ir {

// graph NAME {
//   input x: f32[1x1x32x32]
//   param conv1.weight: f32[6x1x5x5]
//   conv1 = conv2d(x, conv1.weight, conv1.bias) {filters=6, kernel=[5,5]} : f32[1x6x28x28]
//   output conv1
//   update bn.mean <- bn/running_mean      (training graphs)
// }
std::string print_graph(const Graph &g);

}  // namespace kiln::ir
