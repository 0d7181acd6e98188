"""Array workloads against Dask (threaded) on the same data and chunks, in one run.

W1: ``x.sum()`` and ``x.mean(axis=0)`` of a 4 GiB float64 Zarr v3 array on disk
    (uncompressed, 128 MiB chunks). Floors: NumPy on the same data in memory, and
    the time to only read the chunk files into preallocated buffers (two threads);
    "vs floor" divides by that read floor. chunkarray can beat it: raw chunks are
    memory-mapped, so their bytes are summed straight from the page cache, never
    copied.
W2: ``(sin(x)**2 + cos(x)**2 - 1).std()`` on a 2 GiB in-memory array, 64 MiB chunks;
    floor: NumPy on the same array.

Contenders alternate (A B A B ...), 5 runs each, medians reported; a difference
under 25 % is noise on these machines. Targets: chunkarray <= 0.8x Dask on W1 and
W2, W1 within 1.5x of the read-only floor.

Run: ``python benchmarks/bench_array.py [--gib 4] [--runs 5] [--dir PATH] [--only W2]``
(needs the ``bench`` extra).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import zarr

import chunkarray.array as caa
from _common import alternate, table

COLS = 16384
CHUNK_ROWS = 1024  # 128 MiB chunks of float64


def make_zarr(path: Path, gib: float) -> zarr.Array:
    rows = int(gib * 2**30 / 8 / COLS) // CHUNK_ROWS * CHUNK_ROWS
    z = zarr.create_array(str(path), shape=(rows, COLS), chunks=(CHUNK_ROWS, COLS),
                          dtype="f8", compressors=None, overwrite=True)
    rng = np.random.default_rng(0)
    for start in range(0, rows, CHUNK_ROWS):
        z[start:start + CHUNK_ROWS] = rng.random((CHUNK_ROWS, COLS))
    return z


def chunk_files(path: Path) -> list[Path]:
    return sorted(p for p in (path / "c").rglob("*") if p.is_file())


def read_floor(files: list[Path]) -> None:
    """Read every chunk file into a preallocated buffer, two threads."""
    size = max(f.stat().st_size for f in files)
    buffers = [bytearray(size), bytearray(size)]

    def read(i: int) -> None:
        buf = buffers[i % 2]
        for f in files[i::2]:
            with open(f, "rb", buffering=0) as fh:
                fh.readinto(buf)

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(read, range(2)))


def w2_numpy(a: np.ndarray) -> float:
    return float((np.sin(a) ** 2 + np.cos(a) ** 2 - 1).std())


def w1(args: argparse.Namespace, tmp: Path) -> list[list[str]]:
    """W1: sum and mean(axis=0) of a Zarr array on disk, with the read floor."""
    import dask.array as da

    path = tmp / "w1.zarr"
    z = make_zarr(path, args.gib)
    files = chunk_files(path)
    in_memory = z[...]
    cx = caa.from_zarr(str(path))
    dx = da.from_zarr(str(path))
    assert cx.chunks == dx.chunks
    expect_sum = float(in_memory.sum())
    expect_mean = in_memory.mean(axis=0)
    assert np.isclose(float(cx.sum().compute()), expect_sum)
    assert np.isclose(float(dx.sum().compute()), expect_sum)
    np.testing.assert_allclose(cx.mean(axis=0).compute(), expect_mean)
    np.testing.assert_allclose(dx.mean(axis=0).compute(), expect_mean)
    sums = alternate({
        "chunkarray": lambda: cx.sum().compute(),
        "dask": lambda: dx.sum().compute(),
        "numpy (in memory)": lambda: in_memory.sum(),
        "read files only": lambda: read_floor(files),
    }, args.runs)
    means = alternate({
        "chunkarray": lambda: cx.mean(axis=0).compute(),
        "dask": lambda: dx.mean(axis=0).compute(),
        "numpy (in memory)": lambda: in_memory.mean(axis=0),
    }, args.runs)
    floor = sums["read files only"]
    return (_rows(f"W1 sum, {args.gib:g} GiB zarr", sums, floor=None, read=floor)
            + _rows(f"W1 mean(axis=0), {args.gib:g} GiB", means, floor=None, read=floor))


def w2(args: argparse.Namespace) -> list[list[str]]:
    """W2: a fused elementwise expression and its std on an in-memory array."""
    import dask.array as da

    n = int(args.gib / 2 * 2**30 / 8)
    a = np.random.default_rng(1).random(n).reshape(-1, COLS)
    chunks = (512, COLS)
    cy, dy = caa.from_array(a, chunks=chunks), da.from_array(a, chunks=chunks)

    def expr(m):  # type: ignore[no-untyped-def]
        y = cy if m is caa else dy
        return (m.sin(y) ** 2 + m.cos(y) ** 2 - 1).std()

    expect = w2_numpy(a)
    assert np.isclose(float(expr(caa).compute()), expect, atol=1e-12)
    assert np.isclose(float(expr(da).compute()), expect, atol=1e-12)
    w2 = alternate({
        "chunkarray": lambda: expr(caa).compute(),
        "dask": lambda: expr(da).compute(),
        "numpy (in memory)": lambda: w2_numpy(a),
    }, args.runs)
    return _rows(f"W2 sin2+cos2-1 std, {args.gib / 2:g} GiB", w2, floor=None)


def main() -> None:
    import dask

    ap = argparse.ArgumentParser()
    ap.add_argument("--gib", type=float, default=4.0, help="W1 size (W2 is half)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--dir", type=Path, default=None)
    ap.add_argument("--only", choices=["W1", "W2"], default=None, help="run one workload")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-array-", dir=args.dir))
    try:
        rows = []
        with dask.config.set(scheduler="threads"):
            if args.only in (None, "W1"):
                rows += w1(args, tmp)
            if args.only in (None, "W2"):
                rows += w2(args)
        print(f"Array benchmarks, median of {args.runs} alternating runs, {os.cpu_count()} cores, "
              f"dask {dask.__version__}")
        print(table(rows, ["workload", "contender", "seconds", "vs dask", "vs floor"]))
        print("targets: chunkarray <= 0.8x dask on W1 and W2; W1 sum <= 1.5x read floor")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _rows(label: str, med: dict[str, float], floor: str | None,
          read: float | None = None) -> list[list[str]]:
    base = read if floor is None else med[floor]
    out = []
    for name, t in med.items():
        vs_floor = f"{t / base:.2f}" if base and name == "chunkarray" else ""
        out.append([label, name, f"{t:.3f}", f"{t / med['dask']:.2f}", vs_floor])
    return out


if __name__ == "__main__":
    main()
