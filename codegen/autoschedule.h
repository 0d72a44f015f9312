// Halide's own autoschedulers as schedule candidates (docs/tuning.md): the
// plugins shipped next to libHalide.so (libautoschedule_<name>.so) are
// loaded on first use and run on a kernel that its lowering returned
// unscheduled, with estimates taken from the kernel's static views.
#pragma once

#include <string>
#include <vector>

#include "Halide.h"
#include "codegen/lowering.h"

namespace kiln::codegen {

// The autoschedulers worth offering for `target` whose plugin is present:
// Mullapudi2016, Adams2019 and Li2018 on CPU targets; Anderson2021 (GPU
// only) on GPU targets.
std::vector<std::string> autoschedulers_for(const Halide::Target &target);

// The plugin file of `name` (in $KILN_HALIDE_PLUGIN_DIR, else the folder of
// the libHalide.so this process uses); "" when it is not there.
std::string autoscheduler_plugin(const std::string &name);

// Sets the estimates of `k`'s inputs and output from its views, loads the
// plugin and applies the autoscheduler. `k` must be unscheduled. Throws
// UserError when the plugin is missing, Halide::Error when it fails.
void autoschedule(LoweredKernel &k, const std::string &name, const Halide::Target &target);

}  // namespace kiln::codegen
