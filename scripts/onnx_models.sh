#!/usr/bin/env bash
# Whole models through the ONNX importer: exports torchvision's ResNet-18/50,
# MobileNet-v2, DenseNet-121, GoogLeNet, AlexNet and VGG-16 with random
# weights (fixed seeds) and PyTorch's own outputs for a fixed input
# (scripts/export_onnx_models.py, Debian's /usr/bin/python3), then imports,
# compiles and runs each with kiln and compares with PyTorch's outputs
# (OnnxModels.TorchvisionExports in tests/onnx_conformance_test.cpp).
# The exports (about 1 GB) go to $KILN_BUILD_DIR/onnx-models and are made
# only once; delete that folder to make them again.
# Usage: scripts/onnx_models.sh [MODEL,...]   (KILN_ONNX_MODELS_REFERENCE=1
# also checks the reference interpreter, which takes minutes per model.)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="${KILN_BUILD_DIR:-$root/build}"
models="${1:-resnet18,resnet50,mobilenet_v2,densenet121,googlenet,alexnet,vgg16}"
out="$build/onnx-models"
missing=""
for m in ${models//,/ }; do
  [ -f "$out/$m/model.onnx" ] || missing="$missing${missing:+,}$m"
done
if [ -n "$missing" ]; then
  /usr/bin/python3 "$root/scripts/export_onnx_models.py" "$out" --models "$missing"
fi
"$root/.venv/bin/cmake" --build "$build" --target onnx_conformance_test
status=0
for m in ${models//,/ }; do
  KILN_ONNX_MODELS_DIR="$out" KILN_ONNX_FILTER="$m" \
    "$build/tests/onnx_conformance_test" --gtest_filter='OnnxModels.*' || status=1
done
exit $status
