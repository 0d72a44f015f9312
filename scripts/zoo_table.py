#!/usr/bin/env python3
"""Measures every zoo model at full size and writes the table in docs/zoo.md
(between the zoo-table markers; the rest of the file is prose kept by hand).

For each model: `kiln inspect --json` (parameters, MACs, FLOPs), then
`kiln compile` with a kernel cache of its own holding only Halide's runtime
(which is compiled once per target, whatever the model), so the compile time
is every kernel compiled afresh plus the link; it gives the kernels, library
size and arena. Then `kiln run` on seeded random input
(batch-1 latency, the median of --repeat runs after a warm-up; kernels come
from that cache). A model whose spec uses an op kiln does not have yet gets
"op missing" instead of numbers; any other failure is reported in its row.

Usage: scripts/zoo_table.py [--build DIR] [--repeat N] [--only NAME,...] [--dry-run]
  --build   the build folder holding tools/kiln (default: $KILN_BUILD_DIR or build)
  --only    measure only these models (spec file names without .json); prints, writes nothing
  --dry-run print the table instead of writing docs/zoo.md
"""
import argparse
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, "docs", "zoo.md")
BEGIN, END = "<!-- zoo-table begin: scripts/zoo_table.py writes this part -->", "<!-- zoo-table end -->"

# (model, spec relative to the repository root), in the order of docs/zoo.md.
MODELS = [
    ("LeNet-5", "examples/lenet5.json"),
    ("AlexNet", "examples/zoo/alexnet.json"),
    ("AlexNet, two groups", "examples/zoo/alexnet_grouped.json"),
    ("ZFNet", "examples/zoo/zfnet.json"),
    ("VGG-16", "examples/zoo/vgg16.json"),
    ("GoogLeNet", "examples/zoo/googlenet.json"),
    ("ResNet-18", "examples/resnet18.json"),
    ("ResNet-34", "examples/zoo/resnet34.json"),
    ("ResNet-50", "examples/zoo/resnet50.json"),
    ("ResNeXt-50 32x4d", "examples/zoo/resnext50_32x4d.json"),
    ("SE-ResNet-50", "examples/zoo/se_resnet50.json"),
    ("DenseNet-121", "examples/zoo/densenet121.json"),
    ("MobileNet v1", "examples/zoo/mobilenet_v1.json"),
    ("encoder-decoder", "examples/encoder_decoder.json"),
    ("LSTM classifier", "examples/lstm_classifier.json"),
]


def run(cmd, env=None, timeout=3600):
    start = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    return p, time.monotonic() - start


def failure(p):
    """A short reason from a failed kiln command."""
    text = (p.stderr or p.stdout).strip()
    m = re.search(r'unknown layer type "([^"]+)"', text)
    if m:
        return f"op missing: {m.group(1)}"
    return "error: " + (text.splitlines()[-1] if text else f"exit status {p.returncode}")[:160]


def shape_str(shape):
    return "x".join(str(d) for d in shape)


def seed_runtime_cache(kiln):
    """A kernel cache holding Halide's runtime object only (compiled with LeNet-5)."""
    cache = tempfile.mkdtemp(prefix="kiln-zoo-runtime-")
    out = tempfile.mkdtemp(prefix="kiln-zoo-lib-")
    p, _ = run([kiln, "compile", "examples/lenet5.json", "-o", out, "--quiet"],
               dict(os.environ, KILN_CACHE_DIR=cache))
    shutil.rmtree(out, ignore_errors=True)
    if p.returncode:
        sys.exit("zoo_table.py: compiling LeNet-5 failed: " + failure(p))
    runtimes = [f for f in os.listdir(cache) if f.startswith("runtime_")]
    for f in os.listdir(cache):
        if f not in runtimes:
            os.remove(os.path.join(cache, f))
    if not runtimes:
        sys.exit("zoo_table.py: no runtime_* object in the kernel cache (has its naming changed?)")
    return cache


def measure(kiln, spec, repeat, runtime_cache):
    row = {}
    if not os.path.exists(os.path.join(ROOT, spec)):
        return {"status": "spec missing"}
    p, _ = run([kiln, "inspect", "--json", spec])
    if p.returncode:
        return {"status": failure(p)}
    s = json.loads(p.stdout)
    row.update(params=s["total"]["params"], macs=s["total"]["macs"], flops=s["total"]["flops"],
               input=", ".join(shape_str(i["shape"]) for i in s["inputs"]))
    cache = tempfile.mkdtemp(prefix="kiln-zoo-cache-")
    for f in os.listdir(runtime_cache):
        shutil.copy(os.path.join(runtime_cache, f), cache)
    out = tempfile.mkdtemp(prefix="kiln-zoo-lib-")
    try:
        env = dict(os.environ, KILN_CACHE_DIR=cache)
        report = os.path.join(out, "report.json")
        p, seconds = run([kiln, "compile", spec, "-o", out, "--quiet", "--report", report], env)
        if p.returncode:
            return dict(row, status=failure(p))
        r = json.load(open(report))
        name = r["library"]
        row.update(compile_s=seconds, kernels=len(r["kernels"]),
                   library_bytes=os.path.getsize(os.path.join(out, f"lib{name}.so")),
                   arena_bytes=r["memory"]["arena_bytes"])
        p, _ = run([kiln, "run", spec, "--repeat", str(repeat)], env)
        if p.returncode:
            return dict(row, status=failure(p))
        m = re.search(r"latency \(compiled library\): ([0-9.]+) ms", p.stdout)
        row["latency_ms"] = float(m.group(1))
        row["status"] = "ok"
        return row
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)


def memory(n):
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n / 1048576:.1f} MiB"


def sig(x):
    """Three significant digits, no exponent (x >= 0.001)."""
    return f"{x:.0f}" if x >= 100 else f"{x:.3g}"


def count(n):
    """An operation count in G, M or K (powers of 1000): "4.09 G"."""
    for unit, scale in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if n >= scale:
            return f"{sig(n / scale)} {unit}"
    return str(n)


def table(rows):
    head = ("| model | input | parameters | MACs | FLOPs | compile (s) | kernels | library "
            "| arena | batch-1 latency (ms) |\n|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
    lines = []
    for model, spec, r in rows:
        cells = [f"[{model}](../{spec})"]
        if "params" in r:
            cells += [r["input"], f"{r['params']:,}", count(r["macs"]), count(r["flops"])]
        else:
            cells += [""] * 4
        if r["status"] == "ok":
            cells += [f"{r['compile_s']:.1f}", str(r["kernels"]), memory(r["library_bytes"]),
                      memory(r["arena_bytes"]), sig(r["latency_ms"])]
        else:
            cells += [r["status"].replace("|", "/")] + [""] * 4
        lines.append("| " + " | ".join(cells) + " |")
    return head + "\n".join(lines) + "\n"


def machine():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return cpu, os.cpu_count(), commit + (" with uncommitted changes" if dirty else "")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.environ.get("KILN_BUILD_DIR", os.path.join(ROOT, "build")))
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--only", default="")
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args()
    kiln = os.path.join(args.build, "tools", "kiln")
    if not os.access(kiln, os.X_OK):
        sys.exit(f"zoo_table.py: no kiln at {kiln}; build first (scripts/build.sh) or pass --build")
    only = set(filter(None, args.only.split(",")))
    os.chdir(ROOT)
    load_before = os.getloadavg()[0]
    runtime_cache = seed_runtime_cache(kiln)
    rows = []
    for model, spec in MODELS:
        if only and os.path.basename(spec).split(".")[0] not in only:
            continue
        print(f"zoo_table.py: {model} ({spec}) ...", file=sys.stderr, flush=True)
        r = measure(kiln, spec, args.repeat, runtime_cache)
        print(f"  {r}", file=sys.stderr, flush=True)
        rows.append((model, spec, r))
    shutil.rmtree(runtime_cache, ignore_errors=True)
    cpu, cores, commit = machine()
    text = (f"Measured by `scripts/zoo_table.py` on {datetime.date.today().isoformat()}, kiln "
            f"{commit}, {cpu}, {cores} cores (the libraries use all of them). Parameters are "
            "trainable parameters; MACs count the multiply-accumulates of conv2d and dense, "
            "FLOPs count a MAC as 2 plus every elementwise operation (both per run at the "
            "input shape shown; G = 10^9). Compile time is `kiln compile` at -O2 with no kernel cached "
            "(only Halide's runtime); kernels counts the kernel calls of the plan, and the "
            "arena holds the intermediate activations. Latency is the median of " +
            str(args.repeat) + " runs of `kiln run` after a warm-up. The machine's load average "
            f"was {load_before:.1f} at the start and {os.getloadavg()[0]:.1f} at the end; other "
            "work on it lengthens the times.\n\n" + table(rows))
    if args.dry_run or only:
        print(text)
        return
    doc = open(DOC).read()
    if BEGIN not in doc or END not in doc:
        sys.exit(f"zoo_table.py: {DOC} lacks the markers {BEGIN} ... {END}")
    head, rest = doc.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    with open(DOC + ".tmp", "w") as f:
        f.write(head + BEGIN + "\n" + text + END + tail)
    os.replace(DOC + ".tmp", DOC)
    print(f"zoo_table.py: wrote {os.path.relpath(DOC, ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
