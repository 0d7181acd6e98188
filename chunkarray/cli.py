"""The ``chunkarray`` command line (``python -m chunkarray``).

Commands: ``demo`` runs the main demo on built-in data. Exit codes: 0 success,
2 bad usage (with a usage message), 1 failure (one line, no traceback unless
``--debug``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path


def demo(directory: Path) -> None:
    """The tutorial's delayed flow, then an out-of-core Zarr reduction, printed."""
    import numpy as np

    import chunkarray.array as caa
    from chunkarray.base import compute
    from chunkarray.delayed import delayed

    @delayed
    def lazy_exponent(x: int, y: int) -> int:
        return x**y

    x = lazy_exponent(4, 5)
    y = lazy_exponent(x, 2)
    z = x * y
    print("delayed:", repr(x), "->", x.compute())
    print("delayed:", repr(z), "->", z.compute())
    picture = z.visualize(filename=str(directory / "z.dot"), rankdir="LR")
    print("graph picture written to", picture.path)

    rng = caa.random.default_rng(42)
    data = rng.standard_normal(size=(4000, 2000), chunks=(500, 2000))
    path = directory / "data.zarr"
    start = time.perf_counter()
    data.to_zarr(str(path))
    print(f"wrote {data.nbytes / 2**20:.0f} MiB to {path.name} in "
          f"{time.perf_counter() - start:.2f} s")
    arr = caa.from_zarr(str(path))
    print(arr)
    start = time.perf_counter()
    total, col_mean = compute(arr.sum(), arr.mean(axis=0))
    print(f"sum = {float(total):.3f}, mean(axis=0)[:3] = {np.round(col_mean[:3], 4)} "
          f"in {time.perf_counter() - start:.2f} s")
    from chunkarray import config
    from chunkarray.diagnostics import last_run

    anomaly = arr - arr.mean(axis=0)
    with config.set(memory_limit="16MiB"):  # a quarter of the data
        anomaly.to_zarr(str(directory / "anomaly.zarr"))
    stats = last_run()
    if stats is not None:
        print(f"anomaly x - x.mean(axis=0) written under memory_limit=16 MiB: peak "
              f"{stats.peak_managed_bytes / 2**20:.1f} MiB held, {stats.dropped_chunks} chunks "
              f"dropped and read again, {stats.spilled_bytes / 2**20:.1f} MiB spilled")
    check = float(caa.from_zarr(str(directory / "anomaly.zarr")).mean().compute())
    print(f"its mean is {check:.2e} (should be ~0)")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="chunkarray", description=__doc__.splitlines()[0])
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = p.add_subparsers(dest="command", required=True)
    d = sub.add_parser("demo", help="run the main demo on built-in data")
    d.add_argument("--dir", type=Path, default=None, help="work directory (default: temporary)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "demo":
            if args.dir is not None:
                args.dir.mkdir(parents=True, exist_ok=True)
                demo(args.dir)
            else:
                with tempfile.TemporaryDirectory(prefix="chunkarray-demo-") as tmp:
                    demo(Path(tmp))
    except Exception as exc:
        if args.debug:
            raise
        print(f"chunkarray: error: {exc}", file=sys.stderr)
        return 1
    return 0
