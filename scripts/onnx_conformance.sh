#!/usr/bin/env bash
# ONNX conformance over every case of Debian's libonnx-testdata: each is
# imported, run on the reference interpreter and compiled into a library and
# run (tests/onnx_conformance_test.cpp); the table by operator goes to
# docs/conformance.md. Usage: scripts/onnx_conformance.sh  (KILN_BUILD_DIR
# selects the build folder, default build/).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="${KILN_BUILD_DIR:-$root/build}"
"$root/.venv/bin/cmake" --build "$build" --target onnx_conformance_test
KILN_ONNX_COMPILED=all KILN_ONNX_REPORT="$root/docs/conformance.md" \
  "$build/tests/onnx_conformance_test" --gtest_filter='OnnxConformance.*'
echo "wrote $root/docs/conformance.md"
