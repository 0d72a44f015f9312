#!/usr/bin/python3
"""Writes PyTorch's results for kiln's conv_transpose2d, rnn, lstm and gru
layers as golden files under tests/data/torch/ (read by
tests/conv_transpose_test.cpp and tests/recurrent_test.cpp).

Each case is three files:
  <case>.json     a one-layer kiln spec (the layer is named "layer") whose
                  weights come from <case>.weights
  <case>.weights  the layer's parameters in kiln's weights file format
                  (docs/spec.md), float32
  <case>.io.f32   the input, then PyTorch's output: raw little-endian float32

PyTorch runs in float64 on the float32 values written, so the expected output
is exact to float32 rounding. The data is random with fixed seeds: running
this again writes the same files.

Run with Debian's Python, which has python3-torch (scripts/bootstrap.sh):
  /usr/bin/python3 tests/data/gen/make_torch_golden.py
"""
import json
import os
import struct
import zlib

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), "torch")


def f32(t):
    """The tensor rounded to float32, held in float64."""
    return t.to(torch.float32).to(torch.float64)


def write_weights(path, tensors):
    with open(path, "wb") as f:
        f.write(b"KILNWTS1")
        f.write(struct.pack("<I", len(tensors)))
        for name, t in tensors:
            raw = name.encode()
            f.write(struct.pack("<I", len(raw)) + raw)
            f.write(struct.pack("<II", 0, t.dim()))
            f.write(struct.pack("<%dq" % t.dim(), *t.shape))
            f.write(t.to(torch.float32).contiguous().numpy().astype("<f4").tobytes())


def write_case(name, layer, x, params, y):
    spec = {
        "name": name,
        "description": "PyTorch golden case written by tests/data/gen/make_torch_golden.py",
        "input": {"name": "x", "shape": list(x.shape)},
        "weights": {"file": name + ".weights"},
        "layers": [dict(layer, name="layer")],
    }
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        fields = ["  %s: %s" % (json.dumps(k), json.dumps(v)) for k, v in spec.items()]
        f.write("{\n" + ",\n".join(fields) + "\n}\n")
    write_weights(os.path.join(OUT, name + ".weights"),
                  [("layer." + k, v) for k, v in params])
    with open(os.path.join(OUT, name + ".io.f32"), "wb") as f:
        for t in (x, y):
            f.write(t.to(torch.float32).contiguous().numpy().astype("<f4").tobytes())


def conv_transpose(name, x_shape, filters, kernel, stride=(1, 1), padding=(0, 0),
                   output_padding=(0, 0), dilation=(1, 1), groups=1, bias=True):
    g = torch.Generator().manual_seed(zlib.crc32(name.encode()))
    cin = x_shape[1]
    x = f32(torch.randn(x_shape, generator=g, dtype=torch.float64))
    w = f32(torch.rand((cin, filters // groups) + tuple(kernel), generator=g,
                       dtype=torch.float64) * 2 - 1)
    b = f32(torch.rand(filters, generator=g, dtype=torch.float64) * 2 - 1) if bias else None
    y = torch.nn.functional.conv_transpose2d(x, w, b, stride, padding, output_padding, groups,
                                             dilation)
    layer = {"type": "conv_transpose2d", "filters": filters, "kernel": list(kernel),
             "stride": list(stride), "dilation": list(dilation),
             "padding": [padding[0], padding[1], padding[0], padding[1]],
             "output_padding": list(output_padding), "groups": groups, "use_bias": bias}
    params = [("weight", w)] + ([("bias", b)] if bias else [])
    write_case(name, layer, x, params, y)


def recurrent(name, kind, steps, batch, inputs, hidden, return_sequences=True, bias=True,
              nonlinearity="tanh"):
    g = torch.Generator().manual_seed(zlib.crc32(name.encode()))
    module = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind]
    extra = {"nonlinearity": nonlinearity} if kind == "rnn" else {}
    m = module(inputs, hidden, bias=bias, **extra).double()
    params = []
    with torch.no_grad():
        for ours, theirs in (("weight_ih", "weight_ih_l0"), ("weight_hh", "weight_hh_l0"),
                             ("bias_ih", "bias_ih_l0"), ("bias_hh", "bias_hh_l0")):
            if not hasattr(m, theirs):
                continue
            p = getattr(m, theirs)
            # Larger than PyTorch's default init, so the gates saturate at times.
            p.copy_(f32(torch.rand(p.shape, generator=g, dtype=torch.float64) * 1.6 - 0.8))
            params.append((ours, p.detach().clone()))
        x = f32(torch.randn((steps, batch, inputs), generator=g, dtype=torch.float64))
        y, _ = m(x)
    if not return_sequences:
        y = y[-1]
    layer = {"type": kind, "hidden_size": hidden, "return_sequences": return_sequences,
             "use_bias": bias}
    if kind == "rnn":
        layer["nonlinearity"] = nonlinearity
    write_case(name, layer, x, params, y)


def main():
    os.makedirs(OUT, exist_ok=True)
    conv_transpose("ct_s2_k3_pad1_outpad1", (2, 4, 5, 7), 6, (3, 3), (2, 2), (1, 1), (1, 1))
    conv_transpose("ct_groups3_dilated", (1, 6, 4, 5), 9, (3, 2), stride=(2, 3), padding=(1, 0),
                   output_padding=(1, 2), dilation=(2, 1), groups=3, bias=False)
    conv_transpose("ct_s1_k4", (1, 3, 6, 6), 2, (4, 4))
    conv_transpose("ct_s3_k2_empty_phases", (1, 2, 3, 4), 3, (2, 2), (3, 3),
                   output_padding=(2, 1))
    conv_transpose("ct_depthwise_s2", (2, 4, 5, 5), 4, (3, 3), (2, 2), (1, 1), (1, 1), groups=4)
    recurrent("lstm_t1_n1", "lstm", 1, 1, 3, 5)
    recurrent("lstm_t7_n3_h19", "lstm", 7, 3, 4, 19)
    recurrent("lstm_last_state", "lstm", 6, 2, 5, 8, return_sequences=False)
    recurrent("lstm_no_bias", "lstm", 4, 2, 3, 6, bias=False)
    recurrent("rnn_tanh", "rnn", 5, 3, 4, 7)
    recurrent("rnn_relu_last", "rnn", 4, 2, 3, 17, return_sequences=False, nonlinearity="relu")
    recurrent("gru_t6_n2_h11", "gru", 6, 2, 5, 11)
    recurrent("gru_t1_n4", "gru", 1, 4, 2, 3)


if __name__ == "__main__":
    main()
