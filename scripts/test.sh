#!/usr/bin/env bash
# Quick start 2: set up, build kiln, and run the whole test suite with ctest.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/build.sh"
build="${KILN_BUILD_DIR:-$root/build}"
# Tests compile kernels; keep their cache inside the build folder.
export KILN_CACHE_DIR="$build/kernel-cache"
cd "$build"
"$root/.venv/bin/ctest" --output-on-failure -j "$(nproc)" "$@"
