#!/usr/bin/env bash
# Set up (bootstrap) and build kiln into build/ (Release).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/bootstrap.sh"
build="${KILN_BUILD_DIR:-$root/build}"
mkdir -p "$build"
halide_dir=$("$root/scripts/halide_dir.sh")

"$root/.venv/bin/cmake" -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DHalide_DIR="$halide_dir" \
      -DHalideHelpers_DIR="$halide_dir/../HalideHelpers" > "$build/configure.log" 2>&1 \
  || { cat "$build/configure.log"; exit 1; }
"$root/.venv/bin/cmake" --build "$build" -j "$(nproc)"
