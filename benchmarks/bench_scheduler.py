"""Per-task scheduler overhead: chunkarray vs Dask's threaded scheduler.

(a) 20,000 independent tiny tasks; (b) a 20,000-task tree sum of delayed ``inc``
calls. Each case times graph construction plus compute (what a user waits for),
alternating the contenders, 5 runs each, medians reported.

Run: ``python benchmarks/bench_scheduler.py`` (needs the ``bench`` extra for Dask).
"""

from __future__ import annotations

import sys
from operator import add

import chunkarray as ca
from _common import alternate, table

N = 20_000


def inc(i: int) -> int:
    return i + 1


def independent(delayed, compute):  # type: ignore[no-untyped-def]
    return compute([delayed(inc)(i) for i in range(N)], scheduler="threads")[0]


def tree_sum(delayed, compute):  # type: ignore[no-untyped-def]
    level = [delayed(inc)(i) for i in range(N // 2)]
    while len(level) > 1:
        nxt = [delayed(add)(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return compute(level[0], scheduler="threads")


def main() -> None:
    import dask

    expected_tree = sum(range(1, N // 2 + 1))
    assert tree_sum(ca.delayed, ca.compute)[0] == expected_tree
    assert tree_sum(dask.delayed, dask.compute)[0] == expected_tree
    assert sum(independent(ca.delayed, ca.compute)) == sum(range(1, N + 1))
    rows = []
    for case, fn, tasks in [("independent", independent, N), ("tree sum", tree_sum, N - 1)]:
        med = alternate({
            "chunkarray": lambda fn=fn: fn(ca.delayed, ca.compute),
            "dask": lambda fn=fn: fn(dask.delayed, dask.compute),
        })
        us_ca = med["chunkarray"] / tasks * 1e6
        us_dask = med["dask"] / tasks * 1e6
        rows.append([case, str(tasks), f"{us_ca:.1f}", f"{us_dask:.1f}",
                     f"{us_ca / us_dask:.2f}"])
    print(f"Scheduler overhead, {N} tasks, threads, median of 5 alternating runs "
          f"(dask {dask.__version__}, python {sys.version.split()[0]})")
    print(table(rows, ["case", "tasks", "chunkarray us/task", "dask us/task", "ratio"]))
    print("target: ratio <= 0.33 on both")


if __name__ == "__main__":
    main()
