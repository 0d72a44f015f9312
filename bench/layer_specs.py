#!/usr/bin/env python3
"""Writes one single-layer spec per distinct conv2d layer of a sequential model
spec (VGG-16, MobileNet v1), for timing each layer alone with `kiln bench`
(docs/performance.md, "Depthwise tasks and direct-conv row bands").

  layer_specs.py SPEC OUTDIR [--only depthwise|dense-conv] [--algorithm NAME]

Each spec holds the conv2d layer (with `algorithm` set when given) and the
batch_norm / activation layers right after it, so the epilogue fuses as in the
model; its input is the layer's input shape in the model. Only the leading
run of conv2d, batch_norm, activation and max_pool2d layers is walked (the
classifier head is not).
"""
import argparse
import json
import os

ACTIVATIONS = {"relu", "relu6", "sigmoid", "tanh", "leaky_relu", "elu", "gelu", "silu"}


def pair(v):
    return list(v) if isinstance(v, list) else [v, v]


def total_pad(padding, axis):
    """Padding along axis 0 (height) or 1 (width): an int, [h, w] or [t, l, b, r]."""
    if padding == "valid":
        return 0
    if isinstance(padding, list):
        return padding[axis] + padding[axis + 2] if len(padding) == 4 else 2 * padding[axis]
    return 2 * padding


def out_extent(size, kernel, stride, padding, axis, dilation=1):
    if padding == "same":
        return -(-size // stride)
    return (size + total_pad(padding, axis) - (kernel - 1) * dilation - 1) // stride + 1


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("spec")
    p.add_argument("outdir")
    p.add_argument("--only", choices=["depthwise", "dense-conv"])
    p.add_argument("--algorithm")
    a = p.parse_args()
    spec = json.load(open(a.spec))
    n, c, h, w = spec["input"]["shape"]
    layers = spec["layers"]
    os.makedirs(a.outdir, exist_ok=True)
    seen = set()
    for i, layer in enumerate(layers):
        kind = layer["type"]
        if kind == "max_pool2d":
            k, s = pair(layer["kernel"]), pair(layer.get("stride", layer["kernel"]))
            pad = layer.get("padding", 0)
            h, w = out_extent(h, k[0], s[0], pad, 0), out_extent(w, k[1], s[1], pad, 1)
            continue
        if kind in ACTIVATIONS or kind == "batch_norm":
            continue
        if kind != "conv2d":
            break
        k, s = pair(layer.get("kernel", 1)), pair(layer.get("stride", 1))
        d = pair(layer.get("dilation", 1))
        depthwise = layer.get("groups", 1) == c and c > 1
        key = (c, h, w, json.dumps({x: v for x, v in layer.items() if x != "name"}, sort_keys=True))
        wanted = a.only is None or (a.only == "depthwise") == depthwise
        if wanted and key not in seen:
            seen.add(key)
            conv = dict(layer)
            if a.algorithm:
                conv["algorithm"] = a.algorithm
            tail = []
            for nxt in layers[i + 1:]:
                if nxt["type"] != "batch_norm" and nxt["type"] not in ACTIVATIONS:
                    break
                tail.append(nxt)
            one = {"name": spec["name"] + "_" + layer["name"], "weights": spec.get("weights", {}),
                   "layers": [conv] + tail, "input": {"name": "image", "shape": [n, c, h, w]}}
            path = os.path.join(a.outdir, layer["name"] + ".json")
            json.dump(one, open(path, "w"), indent=1)
            print(f"{path}: {c}x{h}x{w} -> {layer['filters']}, k{k[0]} s{s[0]}")
        pad = layer.get("padding", 0)
        h, w = out_extent(h, k[0], s[0], pad, 0, d[0]), out_extent(w, k[1], s[1], pad, 1, d[1])
        c = layer["filters"]


if __name__ == "__main__":
    main()
