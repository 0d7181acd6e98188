"""ProgressBar overhead on the scheduler benchmark: the same computes with and without.

The cases of ``bench_scheduler.py`` (20,000 independent tiny tasks; a 20,000-task
tree sum), graphs built once, computes timed alternately without and with a
``ProgressBar`` (writing to ``os.devnull``, so the terminal's speed is not
measured), 9 runs each, medians. A ``Profiler`` (which records every task) is
shown for comparison. On a busy machine run-to-run noise exceeds the overhead, so
the per-task cost of the bar's callback is also timed on its own (a million
calls), which bounds the overhead without noise.

Run: ``python benchmarks/bench_progress.py`` (``--small`` for a quick check).
"""

from __future__ import annotations

import os
import sys
import time
from operator import add

import chunkarray as ca
from _common import alternate, table
from bench_scheduler import N, inc
from chunkarray.diagnostics import Profiler, ProgressBar


def independent_graph() -> list[ca.Delayed]:
    return [ca.delayed(inc)(i) for i in range(N)]


def tree_graph() -> ca.Delayed:
    level = [ca.delayed(inc)(i) for i in range(N // 2)]
    while len(level) > 1:
        nxt = [ca.delayed(add)(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def callback_cost(calls: int = 1_000_000) -> float:
    """Seconds per ``on_task_end`` call of a ProgressBar."""
    bar = ProgressBar()
    end = bar.on_task_end
    start = time.perf_counter()
    for i in range(calls):
        end("k", i, calls)
    return (time.perf_counter() - start) / calls


def main() -> None:
    small = "--small" in sys.argv
    runs = 3 if small else 9
    devnull = open(os.devnull, "w")  # noqa: SIM115 - open for the whole benchmark
    rows = []
    for case, graph, tasks in [("independent", independent_graph(), N),
                               ("tree sum", tree_graph(), N - 1)]:
        def plain(g=graph):  # type: ignore[no-untyped-def]
            ca.compute(g, scheduler="threads")

        def progress(g=graph):  # type: ignore[no-untyped-def]
            with ProgressBar(out=devnull):
                ca.compute(g, scheduler="threads")

        def profiled(g=graph):  # type: ignore[no-untyped-def]
            with Profiler():
                ca.compute(g, scheduler="threads")

        med = alternate({"none": plain, "progress": progress, "profiler": profiled}, runs=runs)
        over = {k: f"{(med[k] / med['none'] - 1) * 100:+.1f}%" for k in ("progress", "profiler")}
        bound = callback_cost() * tasks / med["none"] * 100
        rows.append([case, f"{med['none']:.3f}", f"{med['progress']:.3f}", over["progress"],
                     f"{bound:.2f}%", f"{med['profiler']:.3f}", over["profiler"]])
    devnull.close()
    print(f"ProgressBar overhead on bench_scheduler's cases ({N} tasks, computes only), median "
          f"of {runs} alternating runs (python {sys.version.split()[0]}, {os.cpu_count()} cpus)")
    print(table(rows, ["case", "none s", "progress s", "overhead", "callback bound",
                       "profiler s", "overhead"]))
    print("target: progress overhead < 2%; 'callback bound' = tasks x cost of one on_task_end "
          "call / time without a bar")


if __name__ == "__main__":
    main()
