// A hash of the sources that decide what kernels compile to (generated).
#pragma once

namespace kiln::codegen {
const char *codegen_fingerprint();
}
