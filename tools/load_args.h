// The model-loading options shared by the subcommands that read a model:
// --input-shape NAME=DxDx... (repeated) fixes an ONNX input's symbolic
// dimensions.
#pragma once

#include "frontend/load_options.h"
#include "tools/cli_args.h"

namespace kiln::tools {

OptionSpec input_shape_option();
// The load options the arguments give (input shapes parsed and checked).
frontend::LoadOptions load_options(const Args &args);

}  // namespace kiln::tools
