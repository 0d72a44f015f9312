// Halide lowering of dropout at inference: a copy (eliminate-identity
// removes the node at -O1 and above, so this runs only at -O0).
#include "codegen/ops/copy_kernel.h"

namespace kiln::codegen::ops {

LoweredKernel lower_dropout(const LowerRequest &req) { return lower_copy(req, "kiln_dropout"); }

}  // namespace kiln::codegen::ops
