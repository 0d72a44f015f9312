#include "codegen/ops/broadcast_view.h"

#include "ir/errors.h"
#include "ir/ops/broadcast.h"

namespace kiln::codegen::ops {

BroadcastViews broadcast_views(const ir::Shape &out, const std::vector<ir::Shape> &inputs) {
  const int rank = static_cast<int>(out.size());
  std::vector<ir::Shape> padded;
  for (const ir::Shape &s : inputs) {
    padded.push_back(ir::ops::pad_to_rank(s, rank));
    if (static_cast<int>(s.size()) > rank) throw InternalError("an input outranks the output");
  }
  BroadcastViews v;
  v.inputs.resize(inputs.size());
  std::vector<bool> group_broadcast;  // of the current group, per input
  for (int d = 0; d < rank; d++) {
    if (out[d] == 1) continue;
    std::vector<bool> broadcast;
    for (const ir::Shape &p : padded) broadcast.push_back(p[d] == 1);
    if (!v.output.empty() && broadcast == group_broadcast) {
      v.output.back() *= out[d];
    } else {
      v.output.push_back(out[d]);
      group_broadcast = broadcast;
      for (size_t k = 0; k < inputs.size(); k++) v.inputs[k].push_back(0);
    }
    for (size_t k = 0; k < inputs.size(); k++)
      v.inputs[k].back() = broadcast[k] ? 1 : v.output.back();
  }
  if (v.output.empty()) {  // every extent is 1
    v.output = {1};
    for (auto &in : v.inputs) in = {1};
  }
  return v;
}

std::vector<Halide::Expr> broadcast_args(const ir::Shape &in, const ir::Shape &out,
                                         const std::vector<Halide::Var> &vars) {
  const size_t rank = out.size();
  std::vector<Halide::Expr> args;
  for (size_t h = 0; h < rank; h++) {  // Halide dimension h is view dimension rank-1-h
    const size_t d = rank - 1 - h;
    args.push_back(in[d] == 1 && out[d] != 1 ? Halide::Expr(0) : Halide::Expr(vars[h]));
  }
  return args;
}

}  // namespace kiln::codegen::ops
