"""``chunkarray demo``: the tutorial's flow and an out-of-core job on synthetic data.

In a temporary directory (or ``--dir``): the delayed functions of the tutorial;
the timeseries dataframe filtered, grouped (std), repartitioned and persisted; a
synthetic Zarr array of ``--size`` bytes (1 GiB by default) under a memory limit
of a quarter of that; a reduction over all of it and the anomaly
``x - x.mean(axis=0)`` written to Zarr with a progress bar; then the peak memory
against the limit, the spill figures, a graph picture and a profile page.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from argparse import Namespace
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np

from chunkarray.cli.locations import UsageError
from chunkarray.sizes import format_bytes, parse_bytes

COLUMNS = 2048


def run_demo(args: Namespace) -> None:
    """Run every step in ``args.dir`` (made if needed) or in a temporary directory."""
    from chunkarray import config
    from chunkarray.diagnostics import ResourceProfiler

    try:
        size = parse_bytes(args.size, name="demo: --size")
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    limit = max(size // 4, 2**20)
    if hasattr(args, "memory_limit"):
        limit = parse_bytes(args.memory_limit)
    show = getattr(args, "progress", True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="chunkarray-demo-") as tmp:
        directory = Path(tmp) if args.dir is None else args.dir
        directory.mkdir(parents=True, exist_ok=True)
        delayed_step(directory)
        dataframe_step()
        with config.set(memory_limit=limit), ResourceProfiler() as rprof:
            path = write_dataset(directory, size)
            reduction_step(path, show)
            persist_step(path, show)
            anomaly_step(path, directory, limit, show)
    print(f"\ndemo finished in {time.perf_counter() - started:.1f} s; over the array steps "
          f"({format_bytes(size)} of data, memory_limit {format_bytes(limit)}) the peak resident "
          f"memory of the process was {format_bytes(rprof.peak_anonymous_bytes)} without "
          f"memory-mapped files ({format_bytes(rprof.peak_rss_bytes)} with them)")


def _progress(show: bool) -> Any:
    from chunkarray.diagnostics import ProgressBar

    return ProgressBar(out=sys.stdout) if show else nullcontext()


def delayed_step(directory: Path) -> None:
    """The tutorial's delayed functions: lazy calls, compute, persist, a picture."""
    from chunkarray.delayed import delayed

    @delayed
    def lazy_exponent(x: int, y: int) -> int:
        return x**y

    print("== delayed functions")
    x = lazy_exponent(4, 5)
    y = lazy_exponent(x, 2)
    z = x * y
    print(f"  x = {x!r} -> {x.compute()}")
    print(f"  z = x * lazy_exponent(x, 2) -> {z.compute()}")
    picture = z.visualize(filename=str(directory / f"z.{picture_format()}"), rankdir="LR")
    print(f"  graph picture of z written to {picture.path}")


def picture_format() -> str:
    """svg when Graphviz's ``dot`` is installed, else DOT text."""
    return "svg" if shutil.which("dot") else "dot"


def dataframe_step() -> None:
    """The tutorial's dataframe flow, when chunkarray.dataframe is available."""
    print("== dataframes")
    try:
        from chunkarray import datasets

        df = datasets.timeseries(seed=42)  # reproducible: the demo test checks the figures
    except (ImportError, AttributeError) as exc:
        print(f"  dataframes are not available in this build ({type(exc).__name__}: {exc})")
        return
    df2 = df[df.y > 0]
    df3 = df2.groupby("name").x.std()
    df4 = df3.repartition(npartitions=3)
    print(f"  df: {df.npartitions} partitions; df3 = df[df.y > 0].groupby('name').x.std()")
    print("  df4 = df3.repartition(npartitions=3):", _last_line(repr(df4)))
    start = time.perf_counter()
    df5 = df4.persist()
    print(f"  df4.persist() in {time.perf_counter() - start:.2f} s:", _last_line(repr(df5)))
    print("  df4.compute().head():")
    for line in str(df5.compute().head()).splitlines():
        print("   ", line)


def _last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def write_dataset(directory: Path, size: int) -> Path:
    """A synthetic float64 Zarr array of about ``size`` bytes (uncompressed)."""
    import chunkarray.array as caa

    rows = max(size // (COLUMNS * 8), 64)
    chunk_rows = max(rows // 64, 1)
    x = caa.random.default_rng(42).standard_normal((rows, COLUMNS), chunks=(chunk_rows, COLUMNS))
    path = directory / "data.zarr"
    start = time.perf_counter()
    x.to_zarr(str(path), compressors=None)
    print(f"== synthetic data: {format_bytes(x.nbytes)} in {x.npartitions} chunks written to "
          f"{path.name} in {time.perf_counter() - start:.1f} s")
    return path


def reduction_step(path: Path, show: bool) -> None:
    """Reductions over the whole (larger than memory) array, in one compute."""
    import chunkarray.array as caa
    from chunkarray.base import compute
    from chunkarray.diagnostics import last_run

    x = caa.from_zarr(str(path))
    print(f"== reductions over x = {x!r}")
    start = time.perf_counter()
    with _progress(show):
        total, std, col_mean = compute(x.sum(), x.std(), x.mean(axis=0))
    stats = last_run()
    print(f"  x.sum() = {float(total):.2f}, x.std() = {float(std):.6f}, "
          f"x.mean(axis=0)[:3] = {np.round(col_mean[:3], 5)} in "
          f"{time.perf_counter() - start:.1f} s")
    if stats is not None:
        print(f"  peak held by the memory manager {format_bytes(stats.peak_managed_bytes)} "
              f"of memory_limit {format_bytes(stats.memory_limit)}")


def persist_step(path: Path, show: bool) -> None:
    """Persist ``2 * x`` (larger than the limit): chunks beyond it are spilled to disk."""
    import chunkarray.array as caa
    from chunkarray.diagnostics import last_run

    x = caa.from_zarr(str(path))
    y = 2 * x
    print(f"== y = (2 * x).persist(): {y!r}")
    start = time.perf_counter()
    with _progress(show):
        y = y.persist()
    stats = last_run()
    print(f"  persisted in {time.perf_counter() - start:.1f} s: {y!r}")
    if stats is not None:
        print(f"  peak held {format_bytes(stats.peak_managed_bytes)} of memory_limit "
              f"{format_bytes(stats.memory_limit)}; {stats.spilled_chunks} chunks spilled to disk "
              f"({format_bytes(stats.spilled_bytes)}), {stats.reloaded_chunks} reloaded "
              f"memory-mapped ({format_bytes(stats.reloaded_bytes)})")
    total, expected = float(y.sum().compute()), 2 * float(x.sum().compute())
    print(f"  y.sum() = {total:.2f} (2 * x.sum() = {expected:.2f})")


def anomaly_step(path: Path, directory: Path, limit: int, show: bool) -> None:
    """``x - x.mean(axis=0)`` written to Zarr under the limit; profile, picture, figures."""
    import chunkarray.array as caa
    from chunkarray.diagnostics import Profiler, ResourceProfiler, last_run, write_profile

    x = caa.from_zarr(str(path))
    anomaly = x - x.mean(axis=0)
    out = directory / "anomaly.zarr"
    print(f"== anomaly = x - x.mean(axis=0): {anomaly!r}")
    start = time.perf_counter()
    with Profiler() as prof, ResourceProfiler(dt=0.05) as rprof, _progress(show):
        anomaly.to_zarr(str(out), compressors=None)
    seconds = time.perf_counter() - start
    stats = last_run()
    print(f"  written to {out.name} in {seconds:.1f} s "
          f"({format_bytes(int(2 * anomaly.nbytes / seconds))}/s read)")
    if stats is not None:
        print(f"  memory_limit {format_bytes(limit)}: peak held by the memory manager "
              f"{format_bytes(stats.peak_managed_bytes)}; peak resident memory of the process "
              f"{format_bytes(rprof.peak_anonymous_bytes)} without memory-mapped files, "
              f"{format_bytes(rprof.peak_rss_bytes)} with them (data "
              f"{format_bytes(anomaly.nbytes)})")
        print(f"  {stats.dropped_chunks} chunks dropped and read again, "
              f"{stats.spilled_chunks} spilled ({format_bytes(stats.spilled_bytes)}), "
              f"{stats.reloaded_chunks} reloaded ({format_bytes(stats.reloaded_bytes)})")
    check = caa.from_zarr(str(out)).mean(axis=0).compute()
    print(f"  largest |column mean| of the anomaly: {np.abs(check).max():.2e} (should be ~0)")
    picture = anomaly.visualize(filename=str(directory / f"anomaly.{picture_format()}"),
                                color="layer")
    page = write_profile(directory / "profile.html", prof, rprof, title="anomaly to Zarr")
    print(f"  graph picture: {picture.path}; profile: {page} "
          f"({len(prof.results)} tasks on {prof.summary()['workers']} workers)")
