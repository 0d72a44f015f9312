#!/usr/bin/python3
"""Plots a `kiln tune --curve` CSV: the sum over tuned kernels of their best
time so far against the trial number, with the untuned sum for reference.

usage: plot_tuning_curve.py CURVE.csv OUT.png [TITLE]
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def main():
    path, out = sys.argv[1], sys.argv[2]
    title = sys.argv[3] if len(sys.argv) > 3 else "kiln tune: best-so-far kernel time"
    rows = list(csv.DictReader(open(path)))
    trials = [int(r["trial"]) for r in rows]
    best = [float(r["best_sum_ms"]) for r in rows]
    default = [float(r["default_sum_ms"]) for r in rows]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(trials, best, label="tuned (best so far)")
    ax.plot(trials, default, "--", label="default schedules")
    ax.set_xlabel("trial")
    ax.set_ylabel("sum of measured kernels' times (ms)")
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    main()
