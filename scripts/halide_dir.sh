#!/usr/bin/env bash
# Prints the directory holding HalideConfig.cmake inside the project's venv.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/.venv/bin/python" - <<'PY'
import os, halide
print(os.path.join(os.path.dirname(halide.__file__), "lib64", "cmake", "Halide"))
PY
