#!/usr/bin/env bash
# Installs what kiln needs and is missing, and nothing else:
#   - Debian packages (apt-get), only those not already installed (libdnnl-dev:
#     oneDNN, for the baseline in bench/onednn_conv_bench.cpp);
#   - Halide 21.0.0 from PyPI into .venv inside the project.
# Running it a second time does nothing.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# python3-torch: the PyTorch oracle of some tests (under /usr/bin/python3);
# libonnx-dev, libonnx-testdata, python3-onnx, python3-torchvision: ONNX import and its
# conformance data; dataset-fashion-mnist: the training example's data.
debs=(g++ gcc make nlohmann-json3-dev libgtest-dev python3-venv libdnnl-dev
      python3-torch python3-torchvision python3-onnx libonnx-dev libonnx-testdata
      dataset-fashion-mnist)
missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# python3 may be a non-Debian build (pyenv) that has its own venv module.
if [ ${#missing[@]} -gt 0 ] && [ "${missing[*]}" = "python3-venv" ] && python3 -c 'import venv, ensurepip' 2>/dev/null; then
  missing=()
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi

venv="$root/.venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
# Halide 21's CMake package needs CMake >= 3.28; Debian 12 ships 3.25.
cmake_want="3.31.10"
cmake_have=$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("cmake"))' 2>/dev/null || true)
if [ "$cmake_have" != "$cmake_want" ]; then
  echo "bootstrap: installing CMake $cmake_want from PyPI into $venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "cmake==$cmake_want"
fi

want="21.0.0"
have=$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("halide"))' 2>/dev/null || true)
if [ "$have" != "$want" ]; then
  echo "bootstrap: installing Halide $want from PyPI into $venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "halide==$want"
fi
