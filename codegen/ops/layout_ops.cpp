// Halide lowering of permute and pad (ir/ops/layout_ops.cpp). Permute drops
// axes of size 1 and merges axes that stay adjacent, so a transpose of
// NCHW to NHWC is a 3-D kernel; both vectorize along the output's innermost
// axis and run the outermost in parallel.
#include <algorithm>

#include "codegen/ops/lower_util.h"
#include "codegen/schedules/memory_bound.h"

namespace kiln::codegen::ops {

using namespace Halide;

namespace {

// The permutation with size-1 axes dropped and runs of input axes that
// stay consecutive in the output merged: the input view, and for each
// output axis of the view, the input axis of the view it reads.
struct CanonicalPermute {
  ir::Shape in_view, out_view;
  std::vector<int> perm;
};

CanonicalPermute canonical_permute(const ir::Shape &x, const std::vector<int64_t> &perm) {
  // Output axes over input axes of size > 1, in output order.
  std::vector<int64_t> kept;
  for (int64_t p : perm)
    if (x[p] != 1) kept.push_back(p);
  // Groups: maximal runs in output order whose input axes are consecutive.
  std::vector<std::vector<int64_t>> groups;
  for (int64_t p : kept) {
    if (!groups.empty() && groups.back().back() + 1 == p)
      groups.back().push_back(p);
    else
      groups.push_back({p});
  }
  // Input view: the groups ordered by their first input axis.
  std::vector<size_t> by_input(groups.size());
  for (size_t g = 0; g < groups.size(); g++) by_input[g] = g;
  std::sort(by_input.begin(), by_input.end(),
            [&](size_t a, size_t b) { return groups[a][0] < groups[b][0]; });
  CanonicalPermute c;
  std::vector<int> position(groups.size());
  for (size_t k = 0; k < by_input.size(); k++) {
    int64_t size = 1;
    for (int64_t p : groups[by_input[k]]) size *= x[p];
    c.in_view.push_back(size);
    position[by_input[k]] = static_cast<int>(k);
  }
  for (size_t g = 0; g < groups.size(); g++) {
    c.perm.push_back(position[g]);
    c.out_view.push_back(c.in_view[position[g]]);
  }
  if (c.in_view.empty()) c.in_view = c.out_view = {1}, c.perm = {0};
  return c;
}

// Vectorizes the innermost output dimension when it is long enough and runs
// the outermost in parallel when the kernel is large.
void schedule_map(Func out, const std::vector<Var> &vars, const ir::Shape &out_view,
                  const Target &target) {
  const int vw = natural_vector_width(target);
  if (out_view.back() >= vw) out.vectorize(vars[0], vw, TailStrategy::GuardWithIf);
  if (vars.size() > 1 && ir::numel(out_view) >= schedules::kParallelThreshold)
    out.parallel(vars.back());
}

}  // namespace

LoweredKernel lower_permute(const LowerRequest &req) {
  CanonicalPermute c = canonical_permute(req.inputs[0].shape, req.node.attrs.get_ints("perm"));
  const int rank = static_cast<int>(c.out_view.size());
  ImageParam x = make_input(c.in_view, "x");
  std::vector<Var> vars;  // Halide order: vars[j] is output axis rank - 1 - j
  for (int j = 0; j < rank; j++) vars.emplace_back("dim" + std::to_string(j));
  std::vector<Expr> at(rank);
  for (int k = 0; k < rank; k++) at[rank - 1 - c.perm[k]] = vars[rank - 1 - k];
  Func out("kiln_permute");
  out(vars) = x(at);
  schedule_map(out, vars, c.out_view, req.target);
  return make_kernel(out, {x}, {c.in_view}, c.out_view,
                     "gather over " + std::to_string(rank) + " axes, vectorized along the output");
}

LoweredKernel lower_pad(const LowerRequest &req) {
  const ir::Shape &xs = req.inputs[0].shape, &os = req.outputs[0].shape;
  const std::vector<int64_t> &pads = req.node.attrs.get_ints("pads");
  const std::string &mode = req.node.attrs.get_string("mode");
  const int rank = static_cast<int>(xs.size());
  ImageParam x = make_input(xs, "x");
  std::vector<Var> vars;
  for (int j = 0; j < rank; j++) vars.emplace_back("dim" + std::to_string(j));
  std::vector<Expr> at(rank);
  Expr inside;  // constant mode: whether every coordinate is in the input
  for (int d = 0; d < rank; d++) {
    const int j = rank - 1 - d;  // Halide dimension of axis d
    const int n = extent(xs[d]);
    Expr i = vars[j] - extent(pads[d]);
    if (mode == "reflect") i = select(i < 0, -i, select(i >= n, 2 * (n - 1) - i, i));
    if (mode == "constant") {
      Expr in_axis = i >= 0 && i < n;
      inside = inside.defined() ? (inside && in_axis) : in_axis;
    }
    at[j] = clamp(i, 0, n - 1);
  }
  Func out("kiln_pad");
  Expr value = x(at);
  if (inside.defined())
    value = select(inside, value, Expr(static_cast<float>(req.node.attrs.get_float("value"))));
  out(vars) = value;
  schedule_map(out, vars, os, req.target);
  return make_kernel(out, {x}, {xs}, os, mode + " padding, vectorized along the output");
}

}  // namespace kiln::codegen::ops
