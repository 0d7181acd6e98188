"""ProgressBar overhead on the scheduler benchmark: the same computes with and without.

The cases of ``bench_scheduler.py`` (20,000 independent tiny tasks; a 20,000-task
tree sum), graphs built once, computes timed alternately without and with a
``ProgressBar`` (writing to ``os.devnull``, so the terminal's speed is not
measured), 15 runs each, medians of wall time and of process CPU time (all
threads; less disturbed than wall time when other processes share the cores). A
``Profiler`` (which records every task) is shown for comparison. On a busy machine
run-to-run noise exceeds the overhead, so the per-task cost of the bar's callback
is also timed on its own (a million calls), which bounds the overhead without noise.

Run: ``python benchmarks/bench_progress.py`` (``--small`` for a quick check).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from operator import add

import chunkarray as ca
from _common import table
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


def alternate_cpu(contenders: dict[str, Callable[[], object]],
                  runs: int) -> dict[str, tuple[float, float]]:
    """Median (wall seconds, process CPU seconds) of each contender, run A B C A B C ..."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in contenders}
    for _ in range(runs):
        for name, fn in contenders.items():
            wall, cpu = time.perf_counter(), time.process_time()
            fn()
            times[name].append((time.perf_counter() - wall, time.process_time() - cpu))
    return {name: (statistics.median(w for w, _ in ts), statistics.median(c for _, c in ts))
            for name, ts in times.items()}


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
    runs = 3 if small else 15
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

        med = alternate_cpu({"none": plain, "progress": progress, "profiler": profiled}, runs)

        def over(k: str, i: int) -> str:
            return f"{(med[k][i] / med['none'][i] - 1) * 100:+.1f}%"

        bound = callback_cost() * tasks / med["none"][1] * 100
        none, bar = med["none"], med["progress"]
        rows.append([case, f"{none[0]:.3f}", f"{bar[0]:.3f}", over("progress", 0),
                     f"{none[1]:.3f}", f"{bar[1]:.3f}", over("progress", 1),
                     f"{bound:.2f}%", over("profiler", 0), over("profiler", 1)])
    devnull.close()
    print(f"ProgressBar overhead on bench_scheduler's cases ({N} tasks, computes only), median "
          f"of {runs} alternating runs (python {sys.version.split()[0]}, {os.cpu_count()} cpus)")
    print(table(rows, ["case", "wall none s", "wall bar s", "wall +", "cpu none s", "cpu bar s",
                       "cpu +", "callback bound", "profiler wall +", "profiler cpu +"]))
    print("target: progress overhead < 2%; 'callback bound' = tasks x cost of one on_task_end "
          "call / CPU time without a bar")


if __name__ == "__main__":
    main()
