#!/usr/bin/python3
"""Times a torchvision classifier's CPU inference (eval, no_grad) at batch 1:
the PyTorch baseline that docs/performance.md compares kiln against.

Run with Debian's Python (it has torch and torchvision):
  /usr/bin/python3 bench/torch_baseline.py resnet50 --threads 2 --repeat 20

Prints one line per timed run and a summary line
  torch MODEL threads=T median_ms=M p10_ms=A p90_ms=B
so that scripts can grep it. Weights are random (the timing does not depend on
them) and nothing is downloaded.
"""
import argparse
import statistics
import time

import torch
import torchvision

MODELS = {
    "resnet18": torchvision.models.resnet18,
    "resnet50": torchvision.models.resnet50,
    "vgg16": torchvision.models.vgg16,
    "mobilenet_v2": torchvision.models.mobilenet_v2,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", choices=sorted(MODELS))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--size", type=int, default=224, help="input height and width")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = MODELS[args.model](weights=None).eval()
    x = torch.randn(1, 3, args.size, args.size)
    times = []
    with torch.no_grad():
        for _ in range(args.warmup):
            model(x)
        for i in range(args.repeat):
            start = time.perf_counter()
            model(x)
            times.append((time.perf_counter() - start) * 1e3)
            print(f"run {i + 1}/{args.repeat}: {times[-1]:.2f} ms", flush=True)
    times.sort()
    p10 = times[len(times) // 10]
    p90 = times[min(len(times) - 1, (len(times) * 9) // 10)]
    print(f"torch {args.model} threads={args.threads} median_ms={statistics.median(times):.2f} "
          f"p10_ms={p10:.2f} p90_ms={p90:.2f}")


if __name__ == "__main__":
    main()
