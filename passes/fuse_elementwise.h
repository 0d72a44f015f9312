// fuse-elementwise: chains and small DAGs of elementwise nodes become one
// fused_elementwise node (one kernel) whose program (ir/ops/
// fused_elementwise.h) computes them per element.
//
// Fusible: the scalar activations (with their attributes), add, sub, mul and
// div whose operands have the output's shape (a broadcast stays apart), and
// an inference batch_norm whose statistics are parameters (it becomes
// scale_shift with per-channel scale and shift parameters computed here, in
// double). A node joins the group of its readers
// when all of them are in one group and its output is no graph output, so an
// intermediate is never needed outside the kernel and nothing is computed
// twice (no duplication: a node read from outside the group ends it). The
// fused node takes the last member's place and name, so the node order stays
// an execution order and graph outputs keep their names. A group of one node
// stays as it is.
#pragma once

#include "ir/graph.h"

namespace kiln::passes {

ir::Graph fuse_elementwise(const ir::Graph &g);

}  // namespace kiln::passes
