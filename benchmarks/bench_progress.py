"""ProgressBar overhead on the scheduler benchmark: the same computes with and without.

The cases of ``bench_scheduler.py`` (20,000 independent tiny tasks; a 20,000-task
tree sum), graphs built once, computes timed without and with a ``ProgressBar``
(writing to ``os.devnull``, so the terminal's speed is not measured), 15 runs each
in rotating order, medians of wall time and of process CPU time (all threads;
less disturbed than wall time when other processes share the cores). A
``Profiler`` (which records every task) is shown for comparison. On a busy
machine run-to-run noise exceeds the overhead, so the bar's costs are also timed
on their own, without noise: the scheduler's per-task call of the bar (its own
loop, fastest of 25 x 20,000 tasks) and the bar's redraws (ten per second), which
bound the overhead.

Run: ``python benchmarks/bench_progress.py`` (``--small`` for a quick check).
"""

from __future__ import annotations

import gc
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
    """Median (wall seconds, process CPU seconds) of each contender.

    Run A B C, B C A, C A B, ... (the order rotates, so no contender always follows
    the same one), after a garbage collection each.
    """
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in contenders}
    names = list(contenders)
    for i in range(runs):
        for name in names[i % len(names):] + names[:i % len(names)]:
            fn = contenders[name]
            gc.collect()
            wall, cpu = time.perf_counter(), time.process_time()
            fn()
            times[name].append((time.perf_counter() - wall, time.process_time() - cpu))
    return {name: (statistics.median(w for w, _ in ts), statistics.median(c for _, c in ts))
            for name, ts in times.items()}


def callback_cost(tasks: int = 20_000, repeats: int = 25) -> float:
    """Seconds per task that the scheduler spends telling a ProgressBar (fastest of ``repeats``).

    The loop is the scheduler's own (``RunState.finish``): for each finished task,
    for each callback, ``on_task_end(key, done, total)``.
    """
    bar = ProgressBar()
    bar._total = tasks  # as during a compute
    callbacks = (bar,)
    done = [(("inc", i), None) for i in range(tasks)]
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        count = 0
        for key, _ in done:
            count += 1
            for cb in callbacks:
                cb.on_task_end(key, count, tasks)
        best = min(best, (time.process_time() - start) / tasks)
    return best


def redraw_share(out: object, draws: int = 2000) -> float:
    """CPU share of the refresh thread: seconds per redraw times redraws per second."""
    bar = ProgressBar(out=out)  # type: ignore[arg-type]
    bar._total, bar._started = 10 * draws, time.perf_counter()
    start = time.process_time()
    for i in range(draws):
        bar._done = i
        bar._draw()
    bar._bar.close()
    return (time.process_time() - start) / draws / bar.dt


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

        bound = (callback_cost() * tasks / med["none"][1] + redraw_share(devnull)) * 100
        none, bar = med["none"], med["progress"]
        rows.append([case, f"{none[0]:.3f}", f"{bar[0]:.3f}", over("progress", 0),
                     f"{none[1]:.3f}", f"{bar[1]:.3f}", over("progress", 1),
                     f"{bound:.2f}%", over("profiler", 0), over("profiler", 1)])
    devnull.close()
    print(f"ProgressBar overhead on bench_scheduler's cases ({N} tasks, computes only), median "
          f"of {runs} alternating runs (python {sys.version.split()[0]}, {os.cpu_count()} cpus)")
    print(table(rows, ["case", "wall none s", "wall bar s", "wall +", "cpu none s", "cpu bar s",
                       "cpu +", "callback bound", "profiler wall +", "profiler cpu +"]))
    print("target: progress overhead < 2%; 'callback bound' = tasks x the scheduler's cost of "
          "calling the bar / CPU time without a bar + CPU share of ten redraws a second")


if __name__ == "__main__":
    main()
