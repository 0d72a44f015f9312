#!/usr/bin/env python3
"""What the graph passes buy, per example model: kernels, memory and latency at -O0 and -O2.

Usage: scripts/optimization_table.py [--kiln build/tools/kiln] [--repeat 20] [MODEL.json ...]
(default: every examples/*.json). Prints a Markdown table; both levels of a model
are compiled and timed in the same run, one after the other.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def compile_report(kiln, model, level, tmp):
    out = os.path.join(tmp, f"O{level}")
    report = os.path.join(tmp, f"O{level}.json")
    subprocess.run([kiln, "compile", model, "-o", out, f"-O{level}", "--quiet", "--report", report],
                   check=True)
    with open(report) as f:
        return json.load(f)


def latency_ms(kiln, model, level, repeat):
    run = subprocess.run([kiln, "run", model, f"-O{level}", "--repeat", str(repeat)],
                         check=True, capture_output=True, text=True)
    m = re.search(r"latency \(compiled library\): ([0-9.]+) ms", run.stdout + run.stderr)
    if not m:
        sys.exit(f"{model}: no latency in kiln run's output")
    return float(m.group(1))


def kib(n):
    return f"{n / 1024:.0f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kiln", default=os.path.join(ROOT, "build", "tools", "kiln"))
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("models", nargs="*")
    args = ap.parse_args()
    models = args.models or sorted(glob.glob(os.path.join(ROOT, "examples", "*.json")))

    print("| model | kernels -O0 | kernels -O2 | arena KiB | lower bound KiB | arena / bound "
          "| one buffer per tensor KiB | latency -O0 ms | latency -O2 ms | speed-up |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for model in models:
        name = os.path.splitext(os.path.basename(model))[0]
        print(f"{name}: compiling and timing", file=sys.stderr)
        with tempfile.TemporaryDirectory() as tmp:
            o0 = compile_report(args.kiln, model, 0, tmp)
            o2 = compile_report(args.kiln, model, 2, tmp)
        mem = o2["memory"]
        t0 = latency_ms(args.kiln, model, 0, args.repeat)
        t2 = latency_ms(args.kiln, model, 2, args.repeat)
        ratio = mem["arena_bytes"] / max(1, mem["lower_bound_bytes"])
        print(f"| {name} | {len(o0['kernels'])} | {len(o2['kernels'])} | {kib(mem['arena_bytes'])} "
              f"| {kib(mem['lower_bound_bytes'])} | {ratio:.3f} | {kib(mem['naive_bytes'])} "
              f"| {t0:.3f} | {t2:.3f} | {t0 / t2:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
