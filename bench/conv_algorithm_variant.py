#!/usr/bin/env python3
"""Writes a copy of a model spec with the `algorithm` attribute set on the
conv2d layers a filter selects, for timing one convolution algorithm against
another with `kiln bench` (docs/performance.md, "Convolution algorithms").

  conv_algorithm_variant.py SPEC OUT ALGORITHM [--only depthwise|pointwise|1x1|strided|1x1-or-strided]
"""
import argparse
import json


def pair(v):
    return list(v) if isinstance(v, list) else [v, v]


def selected(layer, only):
    k, s = pair(layer.get("kernel", 1)), pair(layer.get("stride", 1))
    groups = layer.get("groups", 1)
    if only == "depthwise":
        return groups > 1 and groups == layer.get("filters")
    if groups > 1:
        return False
    one = k == [1, 1]
    strided = s != [1, 1]
    return {"all": True, "pointwise": one and not strided, "1x1": one, "strided": strided,
            "1x1-or-strided": one or strided}[only]


def walk(node, algorithm, only, count):
    if isinstance(node, dict):
        if node.get("type") == "conv2d" and selected(node, only):
            node["algorithm"] = algorithm
            count[0] += 1
        for v in node.values():
            walk(v, algorithm, only, count)
    elif isinstance(node, list):
        for v in node:
            walk(v, algorithm, only, count)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("spec")
    p.add_argument("out")
    p.add_argument("algorithm")
    p.add_argument("--only", default="all",
                   choices=["all", "depthwise", "pointwise", "1x1", "strided", "1x1-or-strided"])
    a = p.parse_args()
    spec = json.load(open(a.spec))
    count = [0]
    walk(spec, a.algorithm, a.only, count)
    json.dump(spec, open(a.out, "w"), indent=1)
    print(f"{a.out}: algorithm {a.algorithm} on {count[0]} conv2d layers")


if __name__ == "__main__":
    main()
