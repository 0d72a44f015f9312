#!/usr/bin/env python3
"""Writes the larger example specs (examples/resnet18.json, densenet_block.json,
inception_module.json). They are plain kiln JSON specs; this script only saves
typing the repeated blocks. Run: python3 examples/gen/make_zoo_specs.py"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.dirname(HERE)


def conv(name, filters, kernel, stride=1, padding="same", act=None, bias=False):
    layer = {"type": "conv2d", "name": name, "filters": filters, "kernel": kernel,
             "stride": stride, "padding": padding, "use_bias": bias}
    if act:
        layer["activation"] = act
    return layer


def bn(name):
    return {"type": "batch_norm", "name": name}


def resnet18():
    nodes = [
        {"name": "stem", "type": "sequential", "inputs": ["image"], "layers": [
            conv("conv1", 64, 7, 2, [3, 3]), bn("bn1"), {"type": "relu", "name": "relu"},
            {"type": "max_pool2d", "name": "pool", "kernel": 3, "stride": 2, "padding": 1}]},
    ]
    prev, channels = "stem", 64
    for stage, width in enumerate([64, 128, 256, 512], start=1):
        for block in range(2):
            stride = 2 if stage > 1 and block == 0 else 1
            name = f"layer{stage}_{block}"
            nodes.append({"name": f"{name}_body", "type": "sequential", "inputs": [prev], "layers": [
                conv("conv1", width, 3, stride, [1, 1]), bn("bn1"), {"type": "relu", "name": "relu"},
                conv("conv2", width, 3, 1, [1, 1]), bn("bn2")]})
            shortcut = prev
            if stride != 1 or channels != width:
                nodes.append({"name": f"{name}_proj", "type": "sequential", "inputs": [prev], "layers": [
                    conv("conv", width, 1, stride, "valid"), bn("bn")]})
                shortcut = f"{name}_proj"
            nodes.append({"name": f"{name}_sum", "type": "add", "inputs": [f"{name}_body", shortcut]})
            nodes.append({"name": name, "type": "relu", "inputs": [f"{name}_sum"]})
            prev, channels = name, width
    nodes += [
        {"name": "gap", "type": "global_avg_pool", "inputs": [prev]},
        {"name": "flat", "type": "flatten", "inputs": ["gap"]},
        {"name": "fc", "type": "dense", "inputs": ["flat"], "units": 1000},
    ]
    return {"name": "resnet18",
            "description": "ResNet-18 (He et al. 2015): basic blocks, batch norm, 1x1 projection shortcuts",
            "inputs": [{"name": "image", "shape": [1, 3, 224, 224]}],
            "weights": {"init": "he", "seed": 18}, "nodes": nodes, "outputs": ["fc"]}


def densenet_block():
    growth, layers = 12, 6
    nodes = [{"name": "stem", "type": "conv2d", "inputs": ["image"], "filters": 24, "kernel": 3,
              "padding": "same"}]
    features = "stem"
    for i in range(layers):
        nodes.append({"name": f"dense{i}", "type": "sequential", "inputs": [features], "layers": [
            bn("bn1"), {"type": "relu", "name": "relu1"}, conv("conv1", 4 * growth, 1, 1, "valid"),
            bn("bn2"), {"type": "relu", "name": "relu2"}, conv("conv2", growth, 3, 1, "same")]})
        nodes.append({"name": f"cat{i}", "type": "concat", "inputs": [features, f"dense{i}"]})
        features = f"cat{i}"
    nodes += [{"name": "transition", "type": "sequential", "inputs": [features], "layers": [
        bn("bn"), {"type": "relu", "name": "relu"}, conv("conv", 48, 1, 1, "valid"),
        {"type": "avg_pool2d", "name": "pool", "kernel": 2}]}]
    return {"name": "densenet_block",
            "description": "A DenseNet-BC dense block (6 layers, growth 12) and a transition layer",
            "inputs": [{"name": "image", "shape": [1, 3, 32, 32]}],
            "weights": {"init": "he", "seed": 121}, "nodes": nodes, "outputs": ["transition"]}


def inception_module():
    def branch(name, layers):
        return {"name": name, "type": "sequential", "inputs": ["stem"], "layers": layers}
    nodes = [
        {"name": "stem", "type": "conv2d", "inputs": ["image"], "filters": 192, "kernel": 3,
         "padding": "same", "activation": "relu"},
        branch("b1x1", [conv("conv", 64, 1, 1, "valid", "relu", True)]),
        branch("b3x3", [conv("reduce", 96, 1, 1, "valid", "relu", True),
                        conv("conv", 128, 3, 1, "same", "relu", True)]),
        branch("b5x5", [conv("reduce", 16, 1, 1, "valid", "relu", True),
                        conv("conv", 32, 5, 1, "same", "relu", True)]),
        branch("bpool", [{"type": "max_pool2d", "name": "pool", "kernel": 3, "stride": 1, "padding": 1},
                         conv("proj", 32, 1, 1, "valid", "relu", True)]),
        {"name": "inception3a", "type": "concat", "inputs": ["b1x1", "b3x3", "b5x5", "bpool"]},
    ]
    return {"name": "inception_module",
            "description": "GoogLeNet's inception (3a): parallel 1x1, 3x3, 5x5 and pool branches concatenated",
            "inputs": [{"name": "image", "shape": [1, 64, 28, 28]}],
            "weights": {"init": "glorot", "seed": 3}, "nodes": nodes, "outputs": ["inception3a"]}


for spec in (resnet18(), densenet_block(), inception_module()):
    path = os.path.join(OUT, spec["name"] + ".json")
    with open(path, "w") as f:
        json.dump(spec, f, indent=1)
        f.write("\n")
    print("wrote", path)
