// The runtime sources kiln writes next to every generated library.
#pragma once

#include <string>
#include <vector>

namespace kiln {

struct EmbeddedFile {
  const char *name;
  const char *text;
};

// kiln_runtime.h, kiln_runtime.c and HalideRuntime.h.
const std::vector<EmbeddedFile> &embedded_runtime_files();

}  // namespace kiln
