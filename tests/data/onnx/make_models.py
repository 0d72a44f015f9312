#!/usr/bin/python3
"""Writes the small ONNX models of tests/onnx_import_test.cpp into this
folder. Run with Debian's Python (python3-onnx): /usr/bin/python3 make_models.py
The outputs are checked in; rerun only to change them."""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(7)


def save(model, name, **kwargs):
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(HERE, name), **kwargs)


def weight(name, *shape):
    return numpy_helper.from_array(rng.uniform(-1, 1, shape).astype(np.float32), name)


def symbolic_batch():
    """x [N, 3, 8, 8] -> Conv 3x3 pad 1 -> Relu -> y: N must be fixed."""
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["y"], name="relu")]
    graph = helper.make_graph(
        nodes, "symbolic_batch",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4, 8, 8])],
        [weight("w", 4, 3, 3, 3), weight("b", 4)])
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), "symbolic_batch.onnx")


def external_data():
    """y = x @ B + C with B and C in external_data.bin."""
    b = numpy_helper.from_array(np.arange(12, dtype=np.float32).reshape(4, 3) / 10, "B")
    c = numpy_helper.from_array(np.array([1, 2, 3], dtype=np.float32), "C")
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["x", "B", "C"], ["y"], name="gemm")], "external_data",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])], [b, c])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    save(model, "external_data.onnx", save_as_external_data=True, all_tensors_to_one_file=True,
         location="external_data.bin", size_threshold=0)


def unsupported_op():
    graph = helper.make_graph(
        [helper.make_node("Abs", ["x"], ["y"], name="my_abs")], "unsupported_op",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])])
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), "unsupported_op.onnx")


def unsupported_attr():
    graph = helper.make_graph(
        [helper.make_node("RNN", ["x", "W", "R"], ["y"], name="reverse_rnn", hidden_size=4,
                          direction="reverse")], "unsupported_attr",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 1, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 1, 1, 4])],
        # constant weights: the shared generator's sequence stays as it was
        [numpy_helper.from_array(np.full(shape, 0.1, np.float32), name)
         for name, shape in (("W", (1, 4, 3)), ("R", (1, 4, 4)))])
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)]), "unsupported_attr.onnx")


def shape_chain():
    """The exporters' flatten: Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [-1]))."""
    nodes = [
        helper.make_node("Shape", ["x"], ["s"]),
        helper.make_node("Constant", [], ["zero"], value=helper.make_tensor("z", TensorProto.INT64, [], [0])),
        helper.make_node("Gather", ["s", "zero"], ["n"], axis=0),
        helper.make_node("Constant", [], ["axes"], value=helper.make_tensor("a", TensorProto.INT64, [1], [0])),
        helper.make_node("Unsqueeze", ["n", "axes"], ["n1"]),
        helper.make_node("Constant", [], ["minus1"], value=helper.make_tensor("m", TensorProto.INT64, [1], [-1])),
        helper.make_node("Concat", ["n1", "minus1"], ["target"], axis=0),
        helper.make_node("Cast", ["target"], ["target64"], to=TensorProto.INT64),
        helper.make_node("Reshape", ["x", "target64"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes, "shape_chain", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 48])])
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), "shape_chain.onnx")


def small_cnn():
    """Conv+BN+Relu, MaxPool, Conv (group 2, bias) + Clip(0, 6), GlobalAveragePool,
    Flatten, Gemm (transB): the spec writer's round trip."""
    nodes = [
        helper.make_node("Conv", ["x", "w1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c1", "g", "beta", "mean", "var"], ["bn"], name="bn1"),
        helper.make_node("Relu", ["bn"], ["r1"], name="relu1"),
        helper.make_node("MaxPool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "w2", "b2"], ["c2"], name="conv2", group=2, pads=[1, 1, 1, 1]),
        helper.make_node("Clip", ["c2", "lo", "hi"], ["r2"], name="relu6"),
        helper.make_node("GlobalAveragePool", ["r2"], ["gap"], name="gap"),
        helper.make_node("Flatten", ["gap"], ["flat"], name="flatten"),
        helper.make_node("Gemm", ["flat", "fc_w", "fc_b"], ["logits"], name="fc", transB=1),
    ]
    var = numpy_helper.from_array(rng.uniform(0.5, 1.5, 8).astype(np.float32), "var")
    lo = numpy_helper.from_array(np.array(0, dtype=np.float32), "lo")
    hi = numpy_helper.from_array(np.array(6, dtype=np.float32), "hi")
    graph = helper.make_graph(
        nodes, "small_cnn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 8, 8])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [2, 5])],
        [weight("w1", 8, 3, 3, 3), weight("g", 8), weight("beta", 8), weight("mean", 8), var,
         weight("w2", 8, 4, 3, 3), weight("b2", 8), lo, hi, weight("fc_w", 5, 8), weight("fc_b", 5)])
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), "small_cnn.onnx")


if __name__ == "__main__":
    symbolic_batch()
    external_data()
    unsupported_op()
    unsupported_attr()
    shape_chain()
    small_cnn()
