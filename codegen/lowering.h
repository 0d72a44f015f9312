// Lowering one graph node to a scheduled Halide pipeline.
//
// Each op's lowering lives in codegen/ops/<family>.cpp as
// `LoweredKernel lower_<op>(const LowerRequest &)`; the table is built from
// ir/ops/op_list.def. A lowering chooses how it sees each tensor: a "view" is
// a row-major shape with the same element count as the value (for example an
// elementwise op sees every tensor as 1-D, softmax sees [outer, axis, inner]).
// The runtime builds the halide_buffer_t of each argument from its view.
#pragma once

#include <string>
#include <vector>

#include "Halide.h"
#include "codegen/schedules/schedule_knobs.h"
#include "ir/graph.h"

namespace kiln::codegen {

struct LowerRequest {
  const ir::Node &node;
  std::vector<ir::TensorType> inputs;   // node input types (parameters included)
  std::vector<ir::TensorType> outputs;  // node output types
  Halide::Target target;
  // A tuned schedule (tune/, docs/tuning.md); empty: the default heuristic.
  // Read by the lowerings whose knob family it names (conv2d, dense).
  schedules::ScheduleKnobs tuned = {};
};

struct LoweredKernel {
  Halide::Pipeline pipeline;
  // One ImageParam per node input, in node input order (made by make_input
  // over the input's view). The compiled function takes these, then the
  // pipeline outputs in node output order.
  std::vector<Halide::ImageParam> params;
  std::vector<ir::Shape> input_views;   // one per node input
  std::vector<ir::Shape> output_views;  // one per node output
  std::string schedule;  // a one-line description of the schedule chosen
  // True when the lowering honoured `tuned.autoscheduler` by defining its
  // algorithm with no scheduling directive (lower_node then autoschedules it).
  bool unscheduled = false;
};

using LowerFn = LoweredKernel (*)(const LowerRequest &);

// The lowering of `op`; throws InternalError if the op has none.
LowerFn lower_fn(const std::string &op);
// With `request.tuned.autoscheduler` set, the lowering must return an
// unscheduled pipeline (InternalError otherwise), which is then given
// estimates from its views and scheduled by that autoscheduler
// (codegen/autoschedule.h).
LoweredKernel lower_node(const LowerRequest &request);

// --- helpers for writing lowerings ---------------------------------------

// An ImageParam of float32 over `view` (row-major), with its dimensions'
// bounds fixed to the view so Halide knows every extent statically. Halide
// dimension 0 is the innermost (last) entry of the view.
Halide::ImageParam make_input(const ir::Shape &view, const std::string &name);
// Fixes the bounds of a pipeline output to `view`.
void constrain_output(Halide::Func out, const ir::Shape &view);
// The natural vector width for float32 on `target` (16 with AVX-512, 8 with AVX2, 4 otherwise).
int natural_vector_width(const Halide::Target &target);

}  // namespace kiln::codegen
