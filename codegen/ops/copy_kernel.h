// A plain copy kernel (1-D view): flatten, and dropout at inference.
#pragma once

#include <string>

#include "codegen/lowering.h"

namespace kiln::codegen::ops {

LoweredKernel lower_copy(const LowerRequest &req, const std::string &func_name);

}  // namespace kiln::codegen::ops
