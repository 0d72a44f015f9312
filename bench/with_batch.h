// A graph with a different batch size: every graph input's first dimension
// becomes `batch` and the node output types are inferred again. Parameters
// do not depend on the batch, so they are shared unchanged.
#pragma once

#include <cstdint>

#include "ir/graph.h"

namespace kiln::bench {

// Throws UserError naming the node whose shape rule rejects the new batch.
ir::Graph with_batch(const ir::Graph &g, int64_t batch);

}  // namespace kiln::bench
