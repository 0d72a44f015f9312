#!/usr/bin/env bash
# Quick start 1: set up, build kiln, compile the LeNet-5 example into a native
# library, build the example C application against it, and run it.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/build.sh"
build="${KILN_BUILD_DIR:-$root/build}"
out="$build/demo"
echo "== kiln compile examples/lenet5.json -o $out"
"$build/tools/kiln" compile "$root/examples/lenet5.json" -o "$out"
echo "== cc examples/app/lenet5_app.c -llenet5"
cc -O2 -std=c11 "$root/examples/app/lenet5_app.c" -I "$out" -L "$out" -llenet5 \
   -Wl,-rpath,"$out" -o "$out/lenet5_app"
echo "== $out/lenet5_app examples/data/digit7.f32"
"$out/lenet5_app" "$root/examples/data/digit7.f32"
