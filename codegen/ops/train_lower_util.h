// Helpers for the lowerings of the training ops (backward, losses,
// optimizers): kernels with several outputs, and elementwise maps over
// inputs of one shape.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "codegen/ops/lower_util.h"

namespace kiln::codegen::ops {

// A kernel whose pipeline outputs `outs`, in the node's output order.
inline LoweredKernel make_multi_kernel(std::vector<Halide::Func> outs,
                                       std::vector<Halide::ImageParam> params,
                                       std::vector<ir::Shape> input_views,
                                       std::vector<ir::Shape> output_views, std::string schedule) {
  for (size_t k = 0; k < outs.size(); k++) constrain_output(outs[k], output_views[k]);
  return {Halide::Pipeline(outs), std::move(params), std::move(input_views),
          std::move(output_views), std::move(schedule)};
}

// Every output o(i) = fns(kernel)[o] over 1-D views of the output's
// element count, computed in one elementwise loop. Input k is a [1]
// scalar when scalar[k] (read as kernel.scalar(k)), else elementwise (read
// as kernel.at(k)).
struct ElementwiseKernel {
  std::vector<Halide::ImageParam> inputs;
  Halide::Var i{"i"};
  Halide::Expr at(size_t input) const { return inputs.at(input)(i); }
  Halide::Expr scalar(size_t input) const { return inputs.at(input)(0); }
};

inline LoweredKernel lower_elementwise_multi(
    const LowerRequest &req, const std::string &name, const std::vector<bool> &scalar,
    const std::function<std::vector<Halide::Expr>(const ElementwiseKernel &)> &fns) {
  const int64_t numel = req.outputs[0].numel();
  ir::Shape view = {numel}, one = {1};
  ElementwiseKernel k;
  std::vector<ir::Shape> views;
  for (size_t in = 0; in < scalar.size(); in++) {
    views.push_back(scalar[in] ? one : view);
    k.inputs.push_back(make_input(views.back(), "in" + std::to_string(in)));
  }
  std::vector<Halide::Expr> values = fns(k);
  auto schedule = schedules::default_elementwise_schedule(numel, req.target);
  // One Func with a Tuple value: every output of an element is computed in
  // the same loop iteration after its inputs are read, so an output may
  // share an input's storage (an optimizer updating its parameter in place).
  Halide::Func f("kiln_" + name);
  if (values.size() == 1)
    f(k.i) = values[0];
  else
    f(k.i) = Halide::Tuple(values);
  schedule_elementwise(f, k.i, schedule);
  // The other outputs of a Tuple share the first one's bounds; strides
  // are each buffer's own.
  for (Halide::OutputImageParam b : f.output_buffers()) {
    if (b.name() == f.output_buffers()[0].name()) b.dim(0).set_bounds(0, extent(numel));
    b.dim(0).set_stride(1);
  }
  return {Halide::Pipeline(f), k.inputs, views, std::vector<ir::Shape>(values.size(), view),
          schedule.describe() + (values.size() > 1 ? ", all outputs in one loop" : "")};
}

}  // namespace kiln::codegen::ops
