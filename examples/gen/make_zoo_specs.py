#!/usr/bin/env python3
"""Writes the generated example specs: examples/resnet18.json, densenet_block.json and
inception_module.json, and the model zoo in examples/zoo/ (docs/zoo.md lists it). They are
plain kiln JSON specs; this script only saves typing the repeated blocks.
Run: python3 examples/gen/make_zoo_specs.py"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.dirname(HERE)
ZOO = os.path.join(OUT, "zoo")

# AlexNet's local response normalization (Krizhevsky et al. 2012, section 3.3):
# b = a / (k + alpha * sum of a^2 over n = 5 neighbouring channels)^beta with k = 2,
# alpha = 1e-4, beta = 0.75. kiln's lrn divides alpha by size (as ONNX and PyTorch do),
# so the paper's alpha is 5 * 1e-4 here.
LRN = {"size": 5, "alpha": 5e-4, "beta": 0.75, "bias": 2.0}


def conv(name, filters, kernel, stride=1, padding="same", act=None, bias=False, groups=1):
    layer = {"type": "conv2d", "name": name, "filters": filters, "kernel": kernel,
             "stride": stride, "padding": padding, "use_bias": bias}
    if groups != 1:
        layer["groups"] = groups
    if act:
        layer["activation"] = act
    return layer


def bn(name, epsilon=None):
    layer = {"type": "batch_norm", "name": name}
    if epsilon is not None:
        layer["epsilon"] = epsilon
    return layer


def op(type_, name, **attrs):
    return dict({"type": type_, "name": name}, **attrs)


def lrn(name):
    return op("lrn", name, **LRN)


def image(size, channels=3):
    return [{"name": "image", "shape": [1, channels, size, size]}]


def model(name, description, inputs, seed, init, body, outputs=None):
    spec = {"name": name, "description": description, "inputs": inputs,
            "weights": {"init": init, "seed": seed}}
    if outputs is None:
        spec["layers"] = body
        del spec["inputs"]
        spec["input"] = inputs[0]
    else:
        spec["nodes"] = body
        spec["outputs"] = outputs
    return spec


def classifier(hidden, classes, dropout):
    """flatten, then the fully connected layers (relu and dropout between them)."""
    layers = [op("flatten", "flat")]
    for i, units in enumerate(hidden, start=6):
        layers += [{"type": "dense", "name": f"fc{i}", "units": units, "activation": "relu"},
                   op("dropout", f"drop{i}", rate=dropout)]
    layers.append({"type": "dense", "name": f"fc{6 + len(hidden)}", "units": classes})
    return layers


# ---------------------------------------------------------------- ResNets

def resnet_stem():
    return {"name": "stem", "type": "sequential", "inputs": ["image"], "layers": [
        conv("conv1", 64, 7, 2, [3, 3]), bn("bn1"), {"type": "relu", "name": "relu"},
        {"type": "max_pool2d", "name": "pool", "kernel": 3, "stride": 2, "padding": 1}]}


def resnet_head(prev, classes=1000):
    return [{"name": "gap", "type": "global_avg_pool", "inputs": [prev]},
            {"name": "flat", "type": "flatten", "inputs": ["gap"]},
            {"name": "fc", "type": "dense", "inputs": ["flat"], "units": classes}]


def residual_join(nodes, name, body, prev, channels, width, stride):
    """The shortcut (a 1x1 projection when the shape changes), the sum and its relu."""
    shortcut = prev
    if stride != 1 or channels != width:
        nodes.append({"name": f"{name}_proj", "type": "sequential", "inputs": [prev], "layers": [
            conv("conv", width, 1, stride, "valid"), bn("bn")]})
        shortcut = f"{name}_proj"
    nodes.append({"name": f"{name}_sum", "type": "add", "inputs": [body, shortcut]})
    nodes.append({"name": name, "type": "relu", "inputs": [f"{name}_sum"]})


def resnet_basic(name, blocks, description):
    """ResNet-18/34: two 3x3 convolutions per block."""
    nodes = [resnet_stem()]
    prev, channels = "stem", 64
    for stage, (width, count) in enumerate(zip([64, 128, 256, 512], blocks), start=1):
        for block in range(count):
            stride = 2 if stage > 1 and block == 0 else 1
            b = f"layer{stage}_{block}"
            nodes.append({"name": f"{b}_body", "type": "sequential", "inputs": [prev], "layers": [
                conv("conv1", width, 3, stride, [1, 1]), bn("bn1"), {"type": "relu", "name": "relu"},
                conv("conv2", width, 3, 1, [1, 1]), bn("bn2")]})
            residual_join(nodes, b, f"{b}_body", prev, channels, width, stride)
            prev, channels = b, width
    nodes += resnet_head(prev)
    return model(name, description, image(224), int(name[6:]), "he", nodes, ["fc"])


def se_block(nodes, b, body, channels, reduction=16):
    """Squeeze-and-excitation (Hu et al. 2018): global average, two 1x1 convolutions
    (the paper's two fully connected layers, with biases), then each channel of the
    body scaled by its sigmoid gate."""
    nodes.append({"name": f"{b}_se", "type": "sequential", "inputs": [body], "layers": [
        {"type": "global_avg_pool", "name": "squeeze"},
        conv("fc1", channels // reduction, 1, 1, "valid", "relu", True),
        conv("fc2", channels, 1, 1, "valid", "sigmoid", True)]})
    nodes.append({"name": f"{b}_scaled", "type": "scale_channels", "inputs": [body, f"{b}_se"]})
    return f"{b}_scaled"


def resnet_bottleneck(name, blocks, description, seed, groups=1, width_per_group=64, se=False):
    """ResNet-50 as torchvision builds it (v1.5: the stride in the 3x3 convolution);
    ResNeXt with groups > 1; SE-ResNet with se=True."""
    nodes = [resnet_stem()]
    prev, channels = "stem", 64
    for stage, (planes, count) in enumerate(zip([64, 128, 256, 512], blocks), start=1):
        width = planes * width_per_group // 64 * groups
        out = planes * 4
        for block in range(count):
            stride = 2 if stage > 1 and block == 0 else 1
            b = f"layer{stage}_{block}"
            nodes.append({"name": f"{b}_body", "type": "sequential", "inputs": [prev], "layers": [
                conv("conv1", width, 1, 1, "valid"), bn("bn1"), {"type": "relu", "name": "relu1"},
                conv("conv2", width, 3, stride, [1, 1], groups=groups), bn("bn2"),
                {"type": "relu", "name": "relu2"},
                conv("conv3", out, 1, 1, "valid"), bn("bn3")]})
            body = f"{b}_body"
            if se:
                body = se_block(nodes, b, body, out)
            residual_join(nodes, b, body, prev, channels, out, stride)
            prev, channels = b, out
    nodes += resnet_head(prev)
    return model(name, description, image(224), seed, "he", nodes, ["fc"])


# ---------------------------------------------------------------- the early CNNs

def alexnet(grouped):
    """Krizhevsky et al. 2012 at 227x227. grouped: the original two-GPU split, where
    conv2, conv4 and conv5 see only their own tower's half of the channels (groups=2)."""
    g = 2 if grouped else 1
    layers = [
        conv("conv1", 96, 11, 4, "valid", "relu", True), lrn("norm1"),
        op("max_pool2d", "pool1", kernel=3, stride=2),
        conv("conv2", 256, 5, 1, 2, "relu", True, g), lrn("norm2"),
        op("max_pool2d", "pool2", kernel=3, stride=2),
        conv("conv3", 384, 3, 1, 1, "relu", True),
        conv("conv4", 384, 3, 1, 1, "relu", True, g),
        conv("conv5", 256, 3, 1, 1, "relu", True, g),
        op("max_pool2d", "pool5", kernel=3, stride=2),
    ] + classifier([4096, 4096], 1000, 0.5)
    if grouped:
        return model("alexnet_grouped",
                     "AlexNet as trained on two GPUs: conv2, conv4 and conv5 in two groups",
                     image(227), 12, "he", layers)
    return model("alexnet", "AlexNet (Krizhevsky et al. 2012), single tower: 11x11 stride-4 conv, "
                 "LRN, overlapping 3x3 stride-2 max pooling", image(227), 2012, "he", layers)


def zfnet():
    """Zeiler and Fergus 2013, figure 3: 7x7 stride-2 first layer, 3x3 stride-2 pooling
    (rounding up, which gives the paper's 55 and 13), contrast normalization after the
    first two pools."""
    pool = {"kernel": 3, "stride": 2, "ceil_mode": True}
    layers = [
        conv("conv1", 96, 7, 2, 1, "relu", True), op("max_pool2d", "pool1", **pool), lrn("norm1"),
        conv("conv2", 256, 5, 2, "valid", "relu", True), op("max_pool2d", "pool2", **pool),
        lrn("norm2"),
        conv("conv3", 384, 3, 1, 1, "relu", True),
        conv("conv4", 384, 3, 1, 1, "relu", True),
        conv("conv5", 256, 3, 1, 1, "relu", True),
        op("max_pool2d", "pool5", **pool),
    ] + classifier([4096, 4096], 1000, 0.5)
    return model("zfnet", "ZFNet (Zeiler and Fergus 2013): AlexNet with a 7x7 stride-2 first layer",
                 image(224), 2013, "he", layers)


def vgg16():
    layers = []
    for stage, (width, count) in enumerate([(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)], 1):
        for i in range(1, count + 1):
            layers.append(conv(f"conv{stage}_{i}", width, 3, 1, 1, "relu", True))
        layers.append(op("max_pool2d", f"pool{stage}", kernel=2, stride=2))
    layers += classifier([4096, 4096], 1000, 0.5)
    return model("vgg16", "VGG-16 (Simonyan and Zisserman 2014, configuration D)", image(224),
                 16, "he", layers)


# ---------------------------------------------------------------- GoogLeNet

INCEPTION = {  # 1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool projection (paper table 1)
    "3a": (64, 96, 128, 16, 32, 32), "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64), "4b": (160, 112, 224, 24, 64, 64),
    "4c": (128, 128, 256, 24, 64, 64), "4d": (112, 144, 288, 32, 64, 64),
    "4e": (256, 160, 320, 32, 128, 128), "5a": (256, 160, 320, 32, 128, 128),
    "5b": (384, 192, 384, 48, 128, 128),
}


def inception(nodes, name, prev, widths):
    c1, r3, c3, r5, c5, proj = widths

    def branch(b, layers):
        nodes.append({"name": f"{name}_{b}", "type": "sequential", "inputs": [prev], "layers": layers})
        return f"{name}_{b}"
    parts = [
        branch("1x1", [conv("conv", c1, 1, 1, "valid", "relu", True)]),
        branch("3x3", [conv("reduce", r3, 1, 1, "valid", "relu", True),
                       conv("conv", c3, 3, 1, 1, "relu", True)]),
        branch("5x5", [conv("reduce", r5, 1, 1, "valid", "relu", True),
                       conv("conv", c5, 5, 1, 2, "relu", True)]),
        branch("pool", [op("max_pool2d", "pool", kernel=3, stride=1, padding=1),
                        conv("proj", proj, 1, 1, "valid", "relu", True)]),
    ]
    nodes.append({"name": name, "type": "concat", "inputs": parts})
    return name


def googlenet():
    """Szegedy et al. 2014 (table 1 and figure 3): biases and LRN, no batch norm. The
    two auxiliary classifiers after 4a and 4d are training-only outputs."""
    pool = {"kernel": 3, "stride": 2, "ceil_mode": True}
    nodes = [{"name": "stem", "type": "sequential", "inputs": ["image"], "layers": [
        conv("conv1", 64, 7, 2, 3, "relu", True), op("max_pool2d", "pool1", **pool), lrn("norm1"),
        conv("conv2_reduce", 64, 1, 1, "valid", "relu", True),
        conv("conv2", 192, 3, 1, 1, "relu", True), lrn("norm2"), op("max_pool2d", "pool2", **pool)]}]
    prev = "stem"
    for name in ["3a", "3b", "pool3", "4a", "4b", "4c", "4d", "4e", "pool4", "5a", "5b"]:
        if name.startswith("pool"):
            nodes.append({"name": name, "type": "max_pool2d", "inputs": [prev], **pool})
            prev = name
            continue
        prev = inception(nodes, "inception" + name, prev, INCEPTION[name])
        if name in ("4a", "4d"):
            aux = "aux1" if name == "4a" else "aux2"
            nodes.append({"name": aux, "type": "sequential", "inputs": [prev], "layers": [
                op("avg_pool2d", "pool", kernel=5, stride=3),
                conv("conv", 128, 1, 1, "valid", "relu", True), op("flatten", "flat"),
                {"type": "dense", "name": "fc1", "units": 1024, "activation": "relu"},
                op("dropout", "drop", rate=0.7), {"type": "dense", "name": "fc2", "units": 1000}]})
    nodes += [{"name": "gap", "type": "global_avg_pool", "inputs": [prev]},
              {"name": "flat", "type": "flatten", "inputs": ["gap"]},
              {"name": "drop", "type": "dropout", "inputs": ["flat"], "rate": 0.4},
              {"name": "fc", "type": "dense", "inputs": ["drop"], "units": 1000}]
    return model("googlenet", "GoogLeNet (Szegedy et al. 2014); the auxiliary classifiers aux1 and "
                 "aux2 are training-only outputs", image(224), 2014, "glorot", nodes,
                 ["fc", {"name": "aux1", "training_only": True},
                  {"name": "aux2", "training_only": True}])


# ---------------------------------------------------------------- DenseNet, MobileNet

def densenet121():
    """Huang et al. 2017, DenseNet-BC-121 as torchvision builds it: growth 32, 1x1
    bottlenecks of 4 x growth channels, transitions halving the channels."""
    growth = 32
    nodes = [{"name": "stem", "type": "sequential", "inputs": ["image"], "layers": [
        conv("conv0", 64, 7, 2, 3), bn("norm0"), {"type": "relu", "name": "relu0"},
        op("max_pool2d", "pool0", kernel=3, stride=2, padding=1)]}]
    features, channels = "stem", 64
    for block, count in enumerate([6, 12, 24, 16], start=1):
        for i in range(1, count + 1):
            name = f"block{block}_layer{i}"
            nodes.append({"name": name, "type": "sequential", "inputs": [features], "layers": [
                bn("norm1"), {"type": "relu", "name": "relu1"}, conv("conv1", 4 * growth, 1, 1, "valid"),
                bn("norm2"), {"type": "relu", "name": "relu2"}, conv("conv2", growth, 3, 1, 1)]})
            nodes.append({"name": f"{name}_cat", "type": "concat", "inputs": [features, name]})
            features, channels = f"{name}_cat", channels + growth
        if block < 4:
            channels //= 2
            nodes.append({"name": f"transition{block}", "type": "sequential", "inputs": [features],
                          "layers": [bn("norm"), {"type": "relu", "name": "relu"},
                                     conv("conv", channels, 1, 1, "valid"),
                                     op("avg_pool2d", "pool", kernel=2, stride=2)]})
            features = f"transition{block}"
    nodes += [{"name": "final", "type": "sequential", "inputs": [features], "layers": [
        bn("norm5"), {"type": "relu", "name": "relu5"}]}]
    nodes += [{"name": "gap", "type": "global_avg_pool", "inputs": ["final"]},
              {"name": "flat", "type": "flatten", "inputs": ["gap"]},
              {"name": "classifier", "type": "dense", "inputs": ["flat"], "units": 1000}]
    return model("densenet121", "DenseNet-121 (Huang et al. 2017), as torchvision builds it",
                 image(224), 121, "he", nodes, ["classifier"])


def mobilenet_v1():
    """Howard et al. 2017 at width 1.0 and 224x224, as Keras builds it: no biases before
    batch norm (epsilon 1e-3), ReLU6, depthwise 3x3 convolutions (groups == channels),
    stride-2 convolutions instead of pooling, TensorFlow "same" padding, and a 1x1
    convolution with bias as the classifier."""
    layers = [conv("conv1", 32, 3, 2, "same"), bn("conv1_bn", 1e-3), op("relu6", "conv1_relu")]
    channels = 32
    blocks = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + \
             [(1024, 2), (1024, 1)]
    for i, (out, stride) in enumerate(blocks, start=1):
        layers += [conv(f"conv_dw_{i}", channels, 3, stride, "same", groups=channels),
                   bn(f"conv_dw_{i}_bn", 1e-3), op("relu6", f"conv_dw_{i}_relu"),
                   conv(f"conv_pw_{i}", out, 1, 1, "valid"), bn(f"conv_pw_{i}_bn", 1e-3),
                   op("relu6", f"conv_pw_{i}_relu")]
        channels = out
    layers += [op("global_avg_pool", "global_pool"), op("dropout", "dropout", rate=1e-3),
               conv("conv_preds", 1000, 1, 1, "valid", bias=True), op("flatten", "flat"),
               op("softmax", "predictions")]
    return model("mobilenet_v1", "MobileNet v1 (Howard et al. 2017), width 1.0, 224x224, as Keras "
                 "builds it", image(224), 1, "he", layers)


# ---------------------------------------------------------------- the small examples

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


def resnet18():
    return resnet_basic("resnet18", [2, 2, 2, 2],
                        "ResNet-18 (He et al. 2015): basic blocks, batch norm, 1x1 projection shortcuts")


# ---------------------------------------------------------------- writing

def compact_json(spec):
    """One layer or node per line: readable, and diffs stay small."""
    def dump(v):
        return json.dumps(v, separators=(", ", ": "))
    lines = ["{"]
    keys = list(spec)
    for k, key in enumerate(keys):
        end = "," if k + 1 < len(keys) else ""
        value = spec[key]
        if key in ("layers", "nodes"):
            lines.append(f' "{key}": [')
            for i, item in enumerate(value):
                sep = "," if i + 1 < len(value) else ""
                if "layers" in item:  # a sequential block: its layers one per line too
                    head = {k2: v for k2, v in item.items() if k2 != "layers"}
                    lines.append("  " + dump(head)[:-1] + ', "layers": [')
                    for j, layer in enumerate(item["layers"]):
                        lines.append("    " + dump(layer) + ("," if j + 1 < len(item["layers"]) else ""))
                    lines.append("  ]}" + sep)
                else:
                    lines.append("  " + dump(item) + sep)
            lines.append(" ]" + end)
        else:
            lines.append(f' "{key}": {dump(value)}{end}')
    lines.append("}")
    return "\n".join(lines) + "\n"


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    print("wrote", os.path.relpath(path, os.path.dirname(OUT)))


def main():
    # The first examples keep their original layout (json indent 1).
    for spec in (resnet18(), densenet_block(), inception_module()):
        write(os.path.join(OUT, spec["name"] + ".json"), json.dumps(spec, indent=1) + "\n")
    os.makedirs(ZOO, exist_ok=True)
    zoo = [
        alexnet(False), alexnet(True), zfnet(), vgg16(), googlenet(),
        resnet_basic("resnet34", [3, 4, 6, 3], "ResNet-34 (He et al. 2015): basic blocks"),
        resnet_bottleneck("resnet50", [3, 4, 6, 3],
                          "ResNet-50 (He et al. 2015) as torchvision builds it: bottleneck blocks, "
                          "the stride in the 3x3 convolution", 50),
        resnet_bottleneck("resnext50_32x4d", [3, 4, 6, 3],
                          "ResNeXt-50 32x4d (Xie et al. 2017): bottlenecks with 32 groups of 4 "
                          "channels in the 3x3 convolution", 5032, groups=32, width_per_group=4),
        resnet_bottleneck("se_resnet50", [3, 4, 6, 3],
                          "SE-ResNet-50 (Hu et al. 2018): ResNet-50 with squeeze-and-excitation "
                          "(reduction 16) before each residual sum", 5016, se=True),
        densenet121(), mobilenet_v1(),
    ]
    for spec in zoo:
        write(os.path.join(ZOO, spec["name"] + ".json"), compact_json(spec))


if __name__ == "__main__":
    main()
