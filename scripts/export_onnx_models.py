#!/usr/bin/python3
"""Exports torchvision classifiers to ONNX with random weights, plus the
exporter's own output for a fixed input, laid out as ONNX test cases:

    OUT/<model>/model.onnx
    OUT/<model>/test_data_set_0/input_0.pb   (1x3xSxS, seeded)
    OUT/<model>/test_data_set_0/output_0.pb  (PyTorch's logits)

tests/onnx_conformance_test.cpp (OnnxModels.*, KILN_ONNX_MODELS_DIR=OUT) then
imports, compiles and runs each one and compares with PyTorch's output.

Run with Debian's Python, which has torch, torchvision and onnx:
    /usr/bin/python3 scripts/export_onnx_models.py OUT [--size 224] [--models a,b]
(scripts/onnx_models.sh does this into the build folder). The files are
large (VGG-16 is 528 MB), so they are regenerated, never checked in; with
the fixed seeds they are the same on every run.
"""
import argparse
import os
import sys

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torchvision

MODELS = {
    "resnet18": torchvision.models.resnet18,
    "resnet50": torchvision.models.resnet50,
    "mobilenet_v2": torchvision.models.mobilenet_v2,
    "densenet121": torchvision.models.densenet121,
    "googlenet": lambda **kw: torchvision.models.googlenet(aux_logits=False, init_weights=True, **kw),
    "alexnet": torchvision.models.alexnet,
    "vgg16": torchvision.models.vgg16,
}
OPSET = 14  # torch 1.13's default


def save_tensor(array, path):
    with open(path, "wb") as f:
        f.write(onnx.numpy_helper.from_array(np.ascontiguousarray(array)).SerializeToString())


def export(name, out_dir, size):
    torch.manual_seed(0)
    model = MODELS[name](weights=None).eval()
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(1, 3, size, size, generator=generator)
    with torch.no_grad():
        y = model(x)
    case = os.path.join(out_dir, name)
    os.makedirs(os.path.join(case, "test_data_set_0"), exist_ok=True)
    torch.onnx.export(model, x, os.path.join(case, "model.onnx"), opset_version=OPSET,
                      input_names=["input"], output_names=["logits"])
    save_tensor(x.numpy(), os.path.join(case, "test_data_set_0", "input_0.pb"))
    save_tensor(y.numpy(), os.path.join(case, "test_data_set_0", "output_0.pb"))
    ops = sorted({n.op_type for n in onnx.load(os.path.join(case, "model.onnx")).graph.node})
    print(f"{name}: {x.shape[2]}x{x.shape[3]} input, ops {', '.join(ops)}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir")
    parser.add_argument("--size", type=int, default=224, help="input height and width")
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated subset")
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    for name in args.models.split(","):
        if name not in MODELS:
            sys.exit(f"unknown model {name}; known: {', '.join(MODELS)}")
        export(name, args.out_dir, args.size)


if __name__ == "__main__":
    main()
