#!/usr/bin/python3
"""The PyTorch baseline of examples/fashion_mnist (docs/performance.md).

The same LeNet-5 (ReLU/max-pool, 'same' first convolution), batch 64 with the
last partial batch dropped, Adam (lr 1e-3, betas 0.9/0.999, eps 1e-8),
softmax cross-entropy, pixels / 255, and the thread count given. With
--weights (a kiln weights file, `kiln export-weights`) it starts from kiln's
initial weights; otherwise from Glorot-uniform weights and zero biases, the
scheme kiln uses. Prints per epoch the training time (train steps only, as
the C driver measures) and the test accuracy.

  /usr/bin/python3 scripts/fashion_mnist_torch.py [--epochs 5] [--threads 2]
      [--data /usr/share/datasets/fashion-mnist] [--weights FILE] [--seed 1]
"""
import argparse
import gzip
import statistics
import struct
import time

import numpy as np
import torch
from torch import nn


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, count = struct.unpack(">II", data[:8])
    if magic == 2051:
        rows, cols = struct.unpack(">II", data[8:16])
        return np.frombuffer(data, np.uint8, count * rows * cols, 16).reshape(count, 1, rows, cols)
    if magic == 2049:
        return np.frombuffer(data, np.uint8, count, 8)
    raise ValueError(f"{path}: not an IDX file (magic {magic})")


def read_kiln_weights(path):
    """kiln's weights file (docs/spec.md, "The weights file")."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"KILNWTS1":
        raise ValueError(f"{path}: not a kiln weights file")
    (count,) = struct.unpack_from("<I", data, 8)
    pos, tensors = 12, {}
    for _ in range(count):
        (length,) = struct.unpack_from("<I", data, pos)
        name = data[pos + 4 : pos + 4 + length].decode()
        pos += 4 + length
        dtype, rank = struct.unpack_from("<II", data, pos)
        pos += 8
        shape = struct.unpack_from(f"<{rank}q", data, pos)
        pos += 8 * rank
        n = int(np.prod(shape)) if rank else 1
        tensors[name] = torch.from_numpy(np.frombuffer(data, "<f4", n, pos).reshape(shape).copy())
        pos += 4 * n
    return tensors


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))


def init(model, weights_path):
    layers = [m for m in model if isinstance(m, (nn.Conv2d, nn.Linear))]
    if weights_path:
        w = read_kiln_weights(weights_path)
        for layer, name in zip(layers, ["c1", "c3", "c5", "f6", "logits"]):
            layer.weight.data.copy_(w[name + ".weight"])
            layer.bias.data.copy_(w[name + ".bias"])
    else:
        for layer in layers:
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--weights", default="")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    x_train = torch.from_numpy(read_idx(f"{a.data}/train-images-idx3-ubyte.gz").astype(np.float32) / 255)
    y_train = torch.from_numpy(read_idx(f"{a.data}/train-labels-idx1-ubyte.gz").astype(np.int64))
    x_test = torch.from_numpy(read_idx(f"{a.data}/t10k-images-idx3-ubyte.gz").astype(np.float32) / 255)
    y_test = torch.from_numpy(read_idx(f"{a.data}/t10k-labels-idx1-ubyte.gz").astype(np.int64))

    model = lenet()
    init(model, a.weights)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    loss_fn = nn.CrossEntropyLoss()
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads, batch {a.batch}")
    times, accuracy = [], 0.0
    steps = len(x_train) // a.batch
    for epoch in range(1, a.epochs + 1):
        order = torch.randperm(len(x_train))
        model.train()
        loss_sum, train_time = 0.0, 0.0
        for s in range(steps):
            idx = order[s * a.batch : (s + 1) * a.batch]
            xb, yb = x_train[idx], y_train[idx]
            start = time.perf_counter()
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            train_time += time.perf_counter() - start
            loss_sum += loss.item()
        model.eval()
        with torch.no_grad():
            correct = sum(int((model(x_test[k : k + 1000]).argmax(1) == y_test[k : k + 1000]).sum())
                          for k in range(0, len(x_test), 1000))
        accuracy = correct / len(x_test)
        times.append(train_time)
        print(f"epoch {epoch} train_loss {loss_sum / steps:.4f} train_seconds {train_time:.2f} "
              f"test_accuracy {accuracy:.4f}", flush=True)
    print(f"final test_accuracy {accuracy:.4f} median_epoch_seconds {statistics.median(times):.2f}")


if __name__ == "__main__":
    main()
