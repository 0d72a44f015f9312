// pretransform-winograd: a conv2d computed by Winograd (algorithm
// winograd_f2 or winograd_f4) whose weight is a parameter of an inference
// graph gets its filter transform done once, here, instead of in the kernel
// on every call. The weight input is replaced by a new parameter holding
// U = G g GT (ir/ops/winograd.h; computed in float64, rounded to float32),
// shaped {alpha, alpha, C, K}, and the conv is marked
// `weights_pretransformed`. U is alpha^2 / 9 times the weights: 16/9 for
// F2, 4x for F4.
//
// It leaves a conv alone when its weight is not a parameter (a graph input,
// or computed), is a graph output, or when the graph is a training graph
// (it has parameter updates): there the weights change between calls and
// the kernel transforms them itself. It runs after select-algorithm, which
// names the algorithm; training libraries never run it (tools/train_args.h).
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"

namespace kiln::passes {

// `notes`, when given, receives one line per transformed conv and a total
// (the weights' growth), for the compile report.
ir::Graph pretransform_winograd(const ir::Graph &g, std::vector<std::string> *notes = nullptr);

}  // namespace kiln::passes
