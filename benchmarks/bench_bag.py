"""W7 word count on generated text: chunkarray.bag against dask.bag and a plain loop.

Pipeline (both libraries, the same files, one partition per file)::

    read_text(files).str.split().flatten().frequencies().topk(10, key=1)

Contenders, alternating (A B C ...), medians of ``--runs`` runs:

- chunkarray with its default scheduler for bags (processes), and with threads
  (the measurement behind that default, see docs/bags.md);
- dask.bag with its default scheduler (processes);
- one process, pure Python: ``collections.Counter`` updated line by line.

Every contender's top 10 is checked against the plain loop's. CPU seconds count
this process, its finished children (Dask's per-compute pool) and chunkarray's
worker processes: on a machine shared with other work, wall time shows how much
of the cores was free, CPU time what each contender costs. Targets (issue 5):
chunkarray <= 0.8x Dask's time, and >= 1.6x faster than the plain loop on 2 cores.

The text (``--mib`` MiB in ``--files`` files, Zipf-like word frequencies over a
50,000-word vocabulary) is generated once into ``--dir`` and reused.

Run: ``python benchmarks/bench_bag.py [--small] [--runs 5] [--mib 1024] [--dir PATH]
[--only ca,ca-threads,dask,loop]``
(needs the ``bench`` extra: dask[bag]).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

import chunkarray.bag as cab
from _common import alternate, table

VOCABULARY = 50_000
POOL_LINES = 200_000


def _vocabulary(rng: np.random.Generator) -> list[str]:
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    lengths = rng.integers(2, 11, VOCABULARY)
    words = {"".join(rng.choice(letters, n)) for n in lengths}
    return sorted(words)


def _line_pool(rng: np.random.Generator) -> list[str]:
    vocab = _vocabulary(rng)
    ranks = np.arange(1, len(vocab) + 1, dtype=np.float64)
    p = 1.0 / ranks**1.1
    p /= p.sum()
    counts = rng.integers(4, 16, POOL_LINES)
    picks = rng.choice(len(vocab), int(counts.sum()), p=p)
    lines, start = [], 0
    for n in counts:
        lines.append(" ".join(vocab[i] for i in picks[start:start + n]) + "\n")
        start += n
    return lines


def make_text(directory: Path, mib: int, files: int) -> list[str]:
    """``files`` text files holding about ``mib`` MiB together (made once)."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / f"part-{i:03d}.txt" for i in range(files)]
    done = directory / "COMPLETE"
    if done.exists():
        return [str(p) for p in paths]
    rng = np.random.default_rng(7)
    pool = _line_pool(rng)
    mean = sum(map(len, pool)) / len(pool)
    per_file = int(mib * 2**20 / files / mean)
    for path in paths:
        idx = rng.integers(0, len(pool), per_file)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w") as f:
            for start in range(0, per_file, 100_000):
                f.write("".join([pool[i] for i in idx[start:start + 100_000]]))
        os.replace(tmp, path)
    done.write_text("ok\n")
    return [str(p) for p in paths]


def run_chunkarray(files: list[str], scheduler: str | None = None) -> list[tuple[str, int]]:
    counts = cab.read_text(files).str.split().flatten().frequencies().topk(10, key=1)
    return counts.compute() if scheduler is None else counts.compute(scheduler=scheduler)


def run_dask(files: list[str]) -> list[tuple[str, int]]:
    import dask.bag as db

    counts = db.read_text(files).str.split().flatten().frequencies().topk(10, key=1)
    return list(counts.compute())


def run_loop(files: list[str]) -> list[tuple[str, int]]:
    counts: Counter[str] = Counter()
    for path in files:
        with open(path, encoding="utf-8") as f:
            for line in f:
                counts.update(line.split())
    return counts.most_common(10)


def cpu_seconds() -> float:
    """CPU time of this process, its finished children (Dask's pool) and our workers."""
    import psutil

    from chunkarray.runtime.executors.processes import _pools

    me = psutil.Process().cpu_times()
    total = me.user + me.system + me.children_user + me.children_system
    for pool in list(_pools.values()):
        for worker in pool.workers:
            try:
                t = psutil.Process(worker.process.pid).cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += t.user + t.system
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="64 MiB, 2 runs: a quick check")
    parser.add_argument("--mib", type=int, default=1024)
    parser.add_argument("--files", type=int, default=16)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "chunkarray-bench"))
    parser.add_argument("--only", default="ca,ca-threads,dask,loop",
                        help="contenders to run, of: ca, ca-threads, dask, loop")
    args = parser.parse_args()
    if args.small:
        args.mib, args.runs, args.files = 64, 2, 4
    files = make_text(Path(args.dir) / f"w7-{args.mib}MiB-{args.files}", args.mib, args.files)
    load = os.getloadavg()[0]
    # Start chunkarray's pool and import the bag modules in both workers (Dask makes a
    # new pool for every compute, so it gets no warm-up).
    run_chunkarray(files[:2])
    results: dict[str, list[tuple[str, int]]] = {}

    cpu: dict[str, list[float]] = {}

    def keep(name: str, fn: Callable[[], list[tuple[str, int]]]) -> Callable[[], None]:
        def run() -> None:
            before = cpu_seconds()
            results[name] = sorted(fn(), key=lambda kv: (-kv[1], kv[0]))
            cpu.setdefault(name, []).append(cpu_seconds() - before)
        return run

    everyone = {
        "ca": ("chunkarray (processes, default)", lambda: run_chunkarray(files)),
        "ca-threads": ("chunkarray (threads)", lambda: run_chunkarray(files, "threads")),
        "dask": ("dask.bag (processes, default)", lambda: run_dask(files)),
        "loop": ("pure Python loop (1 process)", lambda: run_loop(files)),
    }
    chosen = args.only.split(",")
    contenders = {everyone[c][0]: keep(c, everyone[c][1]) for c in chosen}
    medians = alternate(contenders, runs=args.runs)
    want = results["loop"] if "loop" in results else sorted(
        run_loop(files), key=lambda kv: (-kv[1], kv[0]))
    for name, got in results.items():  # every contender's top 10 is the loop's
        assert [c for _, c in got] == [c for _, c in want], (name, got, want)
        assert all(dict(want).get(w, c) == c for w, c in got), (name, got, want)
    nan = float("nan")
    ours = medians.get(everyone["ca"][0], nan)
    dask = medians.get(everyone["dask"][0], nan)
    loop = medians.get(everyone["loop"][0], nan)
    rows = [[name, f"{t:.2f}", f"{statistics.median(cpu[c]):.2f}", f"{t / dask:.2f}",
             f"{loop / t:.2f}"] for c, (name, t) in zip(chosen, medians.items())]
    print(f"W7 word count, {args.mib} MiB in {len(files)} files, {os.cpu_count()} cores, "
          f"median of {args.runs} runs (load average before: {load:.1f})")
    print(table(rows, ["contender", "seconds", "CPU seconds", "vs dask", "speed-up vs loop"]))
    print(f"targets: chunkarray/dask = {ours / dask:.2f} (<= 0.8), "
          f"loop/chunkarray = {loop / ours:.2f} (>= 1.6)")


if __name__ == "__main__":
    main()
