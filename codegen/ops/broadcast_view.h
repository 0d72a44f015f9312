// How a kernel sees the tensors of a broadcasting elementwise op: the
// output's dimensions are collapsed into as few as possible (dimensions of
// extent 1 dropped, neighbours merged where every input is broadcast along
// both or along neither), and each input gets a view of the same rank with 1
// where it is broadcast. [8, 64, 56, 56] * [8, 64, 1, 1] becomes
// [512, 3136] * [512, 1]; equal shapes become one dimension.
#pragma once

#include <vector>

#include "Halide.h"
#include "ir/types.h"

namespace kiln::codegen::ops {

struct BroadcastViews {
  ir::Shape output;               // outermost first, at least one dimension
  std::vector<ir::Shape> inputs;  // per input: the output's rank, 1 where broadcast
};

// `inputs` must broadcast to `out` (ir/ops/broadcast.h).
BroadcastViews broadcast_views(const ir::Shape &out, const std::vector<ir::Shape> &inputs);

// The arguments (innermost first, as Halide indexes) that read an input of
// view `in` at the output coordinates `vars` (innermost first): 0 along the
// dimensions it is broadcast in.
std::vector<Halide::Expr> broadcast_args(const ir::Shape &in, const ir::Shape &out,
                                         const std::vector<Halide::Var> &vars);

}  // namespace kiln::codegen::ops
