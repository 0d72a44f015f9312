// The C text of a generated library: its public header and the model source
// that holds the execution plan and the API around the runtime.
#pragma once

#include <ostream>
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

// The training half of a training library (passes/autodiff.h): its graph
// (the model's inputs, then the labels; the loss; updates) and plan. Its
// weights layout covers every parameter of both graphs, which share the
// model's parameters by name; the inference plan uses the same layout.
struct TrainingPlan {
  const ir::Graph *graph = nullptr;
  std::vector<PlanStep> steps;
  passes::MemoryPlan memory;
  WeightsLayout weights;
};

// NAME.h: the C API of library `name` (with NAME_train_step and the
// weights accessors when `train` is given: codegen/emit_train.cpp).
std::string emit_header(const ir::Graph &g, const std::string &name,
                        const passes::MemoryPlan &memory, const TrainingPlan *train = nullptr);
// NAME_model.c: the plan tables and the API; includes kiln_runtime.c.
std::string emit_model_source(const ir::Graph &g, const std::string &name,
                              const std::vector<PlanStep> &steps,
                              const passes::MemoryPlan &memory, const WeightsLayout &weights,
                              const TrainingPlan *train = nullptr);

// The static tables of one execution plan, named PREFIX_dims, PREFIX_args,
// PREFIX_steps, PREFIX_input_info, PREFIX_output_info, and the kiln_plan
// PREFIX.
void emit_plan(std::ostream &os, const ir::Graph &g, const std::string &prefix,
               const std::vector<PlanStep> &steps, const passes::MemoryPlan &memory,
               const WeightsLayout &weights);

// The training library's parts (codegen/emit_train.cpp): its header
// declarations, and the model struct, create, destroy, train step and
// weights accessors.
std::string training_header(const std::string &name, const ir::Graph &g, const TrainingPlan &train);
void emit_training_api(std::ostream &os, const std::string &name, const ir::Graph &g,
                       const WeightsLayout &weights, const TrainingPlan &train);

}  // namespace kiln::codegen
