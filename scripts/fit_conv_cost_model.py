#!/usr/bin/env python3
"""Fits the conv2d cost model (passes/conv_cost_model.h) to a measurement table.

    build/bench/conv_algo_table > table.jsonl     (one or more runs)
    scripts/fit_conv_cost_model.py table.jsonl [more.jsonl ...] > passes/conv_cost_constants.cpp

For each lowering variant, efficiency = achieved FLOP/s over the measured FMA
peak (Winograd's FLOPs counted at its reduced multiply count), modelled as
    peak_fraction * sat(reduction/k_r) * sat(out_channels/k_c) * sat(out_pixels/k_p)
with sat(x) = x/(1+x) (k = 0: that factor is 1). The k's come from a grid
search minimising the squared log error; peak_fraction is then the geometric
mean of the rest. Variants with fewer than 5 timings get peak_fraction only.
An algorithm that failed on any layer it fits (its lowering is missing or
broken there) is left out of lowered_algorithms, so `--conv-algo auto` does
not pick it; `measure` still tries it and skips its failures.
"""
import json
import math
import platform
import sys

GRID = [0] + [2.0 ** (i / 2) for i in range(0, 28)]  # 1 .. 8192 in steps of sqrt(2)


def sat(x, k):
    return 1.0 if k <= 0 else (x / k) / (1.0 + x / k)


def fit_variant(rows):
    best = None
    grid = GRID if len(rows) >= 5 else [0]
    for kr in grid:
        for kc in grid:
            for kp in grid:
                logs = [math.log(r["eff"]) - math.log(sat(r["reduction"], kr) * sat(r["out_channels"], kc)
                                                      * sat(r["out_pixels"], kp)) for r in rows]
                mean = sum(logs) / len(logs)
                err = sum((v - mean) ** 2 for v in logs)
                if best is None or err < best[0] - 1e-12:
                    best = (err, math.exp(mean), kr, kc, kp)
    err, pf, kr, kc, kp = best
    return pf, kr, kc, kp, math.sqrt(err / len(rows))


def merge_tables(paths):
    """Several runs of conv_algo_table: each (layer, algorithm) keeps its
    fastest time (the run least disturbed by other work on the machine); the
    last run decides whether it failed (the lowering may have been fixed
    since). The header is the last run's, with the best peak seen."""
    head, rows = None, {}
    for path in paths:
        lines = [json.loads(l) for l in open(path) if l.strip()]
        peak = max(head["peak_gflops"], lines[0]["peak_gflops"]) if head else lines[0]["peak_gflops"]
        head = dict(lines[0], peak_gflops=peak)
        for r in lines[1:]:
            key = (r["layer"], r["algorithm"])
            old = rows.get(key)
            if "ms" in r and old is not None and "ms" in old:
                r["ms"] = min(r["ms"], old["ms"])
            rows[key] = r
    return head, list(rows.values())


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    head, rows = merge_tables(sys.argv[1:])
    by_variant, ok_algorithms, failed = {}, [], {}
    for r in rows:
        if "ms" not in r:
            count, error = failed.get(r["algorithm"], (0, r.get("error", "failed")))
            failed[r["algorithm"]] = (count + 1, error)
            continue
        r["eff"] = 2.0 * r["macs"] * r["mac_factor"] / (r["ms"] * 1e-3) / (head["peak_gflops"] * 1e9)
        by_variant.setdefault(r["variant"], []).append(r)
        if r["algorithm"] not in ok_algorithms:
            ok_algorithms.append(r["algorithm"])
    out = []
    out.append("// The conv2d cost model's constants (passes/conv_cost_model.h), fitted to")
    out.append("// timings on this machine. Produced by:")
    out.append("//   build/bench/conv_algo_table > bench/conv_algo_table.runN.jsonl   (one file per run)")
    out.append("//   scripts/fit_conv_cost_model.py %s > passes/conv_cost_constants.cpp" % " ".join(sys.argv[1:]))
    machine = "%s, %d threads, %s" % (cpu_name(), head["threads"], head["isa"])
    out.append("// Machine: %s; measured %s; FMA peak %.1f GFLOP/s." % (machine, head["date"], head["peak_gflops"]))
    out.append("// Fit quality per variant (rms error of log time; 0.3 is about 1.35x):")
    fits = []
    for variant in sorted(by_variant):
        pf, kr, kc, kp, rms = fit_variant(by_variant[variant])
        out.append("//   %-18s %2d timings, rms log error %.2f" % (variant, len(by_variant[variant]), rms))
        fits.append('          {"%s", %.4g, %g, %g, %g},' % (variant, pf, kr, kc, kp))
    for algorithm, (count, error) in sorted(failed.items()):
        out.append("// Kept out of auto: %s failed on %d layer(s) when measured, e.g.\n//   %s" % (algorithm, count, error[:90]))
    out.append('#include "passes/conv_cost_model.h"')
    out.append("")
    out.append("namespace kiln::passes {")
    out.append("")
    out.append("const CostModelConstants &fitted_conv_cost_model() {")
    out.append("  static const CostModelConstants model = {")
    out.append('      "scripts/fit_conv_cost_model.py on %s, %s",' % (machine.replace('"', "'"), head["date"]))
    out.append("      %.4g," % head["peak_gflops"])
    out.append("      // variant, peak_fraction, k_reduction, k_channels, k_pixels")
    out.append("      {")
    out.extend(fits)
    out.append("      },")
    lowered = [a for a in ok_algorithms if a not in failed]
    out.append("      // lowered_algorithms: those that compiled and ran on every layer they fit")
    out.append("      {%s}};" % ", ".join('"%s"' % a for a in lowered))
    out.append("  return model;")
    out.append("}")
    out.append("")
    out.append("}  // namespace kiln::passes")
    print("\n".join(out))


if __name__ == "__main__":
    main()
