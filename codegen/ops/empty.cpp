// empty (ir/ops/empty.cpp) has no elements, so no kernel: compile_library
// skips every node whose outputs have none. Lowering one is a bug.
#include "codegen/ops/lower_util.h"

namespace kiln::codegen::ops {

LoweredKernel lower_empty(const LowerRequest &req) {
  throw InternalError("node '" + req.node.name +
                      "': an empty tensor has no kernel (compile_library skips it)");
}

}  // namespace kiln::codegen::ops
