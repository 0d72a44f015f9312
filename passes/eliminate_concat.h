// eliminate-concat: a concatenation whose inputs can be written straight into
// their slices of its output copies nothing. The pass marks such a concat
// `in_place`; the memory planner then places each input inside the output
// and code generation emits no kernel for it.
//
// A concat qualifies when every slice is one contiguous block (the dimensions
// before the axis multiply to 1: batch 1 for channel concatenation in NCHW),
// and each input is an activation that is no graph output, appears once, and
// is not already placed inside another concat. Concats nest (DenseNet): a
// block that is itself an in-place concat's output moves with it.
#pragma once

#include "ir/graph.h"

namespace kiln::passes {

ir::Graph eliminate_concat(const ir::Graph &g);

// True for nodes that need no kernel (an in-place concat).
bool is_elided(const ir::Node &n);

}  // namespace kiln::passes
