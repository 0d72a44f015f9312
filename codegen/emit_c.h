// The C text of a generated library: its public header and the model source
// that holds the execution plan and the API around the runtime.
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"
#include "passes/plan_memory.h"

namespace kiln::codegen {

// One kernel call of the plan: a node, the kernel function it calls, and the
// view of each argument (node inputs, then outputs).
struct PlanStep {
  int node;
  std::string fn_name;
  std::vector<ir::Shape> input_views;
  std::vector<ir::Shape> output_views;
};

struct WeightsLayout {
  std::vector<int64_t> offset;  // per value id (parameters only), bytes
  int64_t total_bytes = 0;
};

// Parameters packed in id order, each 64-byte aligned.
WeightsLayout layout_weights(const ir::Graph &g);

// NAME.h: the C API of library `name`.
std::string emit_header(const ir::Graph &g, const std::string &name,
                        const passes::MemoryPlan &memory);
// NAME_model.c: the plan tables and the API; includes kiln_runtime.c.
std::string emit_model_source(const ir::Graph &g, const std::string &name,
                              const std::vector<PlanStep> &steps,
                              const passes::MemoryPlan &memory, const WeightsLayout &weights);

}  // namespace kiln::codegen
