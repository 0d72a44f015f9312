// Running the system toolchain (cc, ld, objcopy, ar) for library emission.
#pragma once

#include <string>
#include <vector>

namespace kiln::codegen {

// Runs `argv` in `cwd` with no shell. Throws UserError with the command and
// the tail of its output when it fails.
void run_command(const std::vector<std::string> &argv, const std::string &cwd);

// $CC when set, else "cc".
std::string c_compiler();

}  // namespace kiln::codegen
