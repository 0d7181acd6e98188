"""ProgressBar overhead on the scheduler benchmark: the same computes with and without.

The cases of ``bench_scheduler.py`` (20,000 independent tiny tasks; a 20,000-task
tree sum), run alternately without and with a ``ProgressBar`` (writing to
``os.devnull``, so the terminal's speed is not measured), 7 runs each, medians.
A ``Profiler`` (which records every task) is shown too, for comparison.

Run: ``python benchmarks/bench_progress.py`` (``--small`` for a quick check).
"""

from __future__ import annotations

import os
import sys

import chunkarray as ca
from _common import alternate, table
from bench_scheduler import independent, tree_sum
from chunkarray.diagnostics import Profiler, ProgressBar


def with_callback(make, fn):  # type: ignore[no-untyped-def]
    def run() -> None:
        with make():
            fn(ca.delayed, ca.compute)
    return run


def main() -> None:
    small = "--small" in sys.argv
    runs = 3 if small else 7
    devnull = open(os.devnull, "w")  # noqa: SIM115 - open for the whole benchmark
    rows = []
    for case, fn in [("independent", independent), ("tree sum", tree_sum)]:
        med = alternate({
            "none": lambda fn=fn: fn(ca.delayed, ca.compute),
            "progress": with_callback(lambda: ProgressBar(out=devnull), fn),
            "profiler": with_callback(Profiler, fn),
        }, runs=runs)
        over = {k: f"{(med[k] / med['none'] - 1) * 100:+.1f}%" for k in ("progress", "profiler")}
        rows.append([case, f"{med['none']:.3f}", f"{med['progress']:.3f}", over["progress"],
                     f"{med['profiler']:.3f}", over["profiler"]])
    devnull.close()
    print(f"ProgressBar overhead on bench_scheduler's cases, median of {runs} alternating runs "
          f"(python {sys.version.split()[0]}, {os.cpu_count()} cpus)")
    print(table(rows, ["case", "none s", "progress s", "overhead", "profiler s", "overhead"]))
    print("target: progress overhead < 2%")


if __name__ == "__main__":
    main()
