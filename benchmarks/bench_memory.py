"""Peak memory and time under a memory budget: chunkarray vs Dask (threaded).

Each case runs in its own subprocess, which reports its time and peak RSS
(``ru_maxrss``). chunkarray runs with ``memory_limit="512MiB"``; Dask's local
scheduler has no such setting. Inputs are float64 Zarr v3 arrays on disk:

Outputs are written uncompressed by both contenders.

- W3 ``(x - x.mean(axis=0)).to_zarr(...)`` over a 4 GiB array (32 MiB chunks);
- W4 a 20000 x 20000 array rechunked from (1000, 20000) to (20000, 1000) chunks
  and stored to Zarr;
- W1 ``x.sum()`` over the 4 GiB array.

Contenders alternate, 5 runs each by default; medians are reported. Targets:
chunkarray's peak RSS <= memory_limit + 300 MiB in every case, and its time <=
Dask's on W3 and W4. Results are checked (sums) in every run.

Run: ``python benchmarks/bench_memory.py [--scale 1.0] [--runs 5]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import zarr

from _common import table

LIMIT = 512 * 2**20
CASES = ["W3", "W4", "W1"]


def _write_random(path: Path, shape: tuple[int, int], rows: int,
                  rng: np.random.Generator) -> float:
    """Write a float64 Zarr array of uniform randoms in row bands; return its sum."""
    z = zarr.create_array(str(path), shape=shape, chunks=(rows, shape[1]), dtype="f8",
                          compressors=None)
    total = 0.0
    for start in range(0, shape[0], rows):
        block = rng.random((min(rows, shape[0] - start), shape[1]))
        total += float(block.sum())
        z[start:start + rows] = block
    return total


def make_inputs(directory: Path, scale: float) -> dict[str, float]:
    """Write the inputs; return the expected checks."""
    rng = np.random.default_rng(0)
    cols = 16384
    rows = int(4 * 2**30 * scale / 8 / cols) // 256 * 256
    total = _write_random(directory / "x.zarr", (rows, cols), 256, rng)
    n = int(20000 * scale**0.5) // 1000 * 1000
    wsum = _write_random(directory / "w.zarr", (n, n), 1000, rng)
    return {"W1": total, "W3": 0.0, "W4": wsum}


def child(case: str, contender: str, directory: Path, out: Path) -> None:
    """Run one case; print JSON with seconds, peak RSS and the check value."""
    start = time.perf_counter()
    if contender == "chunkarray":
        import chunkarray as ca
        import chunkarray.array as caa

        ca.config.set(memory_limit=LIMIT, spill_dir=str(directory))
        read = caa.from_zarr
    else:
        import dask
        import dask.array as da

        dask.config.set(scheduler="threads")
        read = da.from_zarr
    if case == "W1":
        check = float(read(str(directory / "x.zarr")).sum().compute())
    elif case == "W3":
        x = read(str(directory / "x.zarr"))
        (x - x.mean(axis=0)).to_zarr(str(out), compressors=None)
        check = _zsum(out)
    else:
        w = read(str(directory / "w.zarr"))
        w.rechunk((w.shape[0], 1000)).to_zarr(str(out), compressors=None)
        check = _zsum(out)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    stats = None
    if contender == "chunkarray":
        import chunkarray as ca

        s = ca.diagnostics.last_run()
        stats = {"spilled": s.spilled_bytes, "dropped": s.dropped_chunks} if s else None
    print(json.dumps({"seconds": seconds, "peak": peak, "check": check, "stats": stats}))


def _zsum(path: Path) -> float:
    """Sum of a stored array, chunk by chunk with zarr itself (independent check)."""
    z = zarr.open_array(str(path), mode="r")
    r, c = z.chunks
    return float(sum(float(z[i:i + r, j:j + c].sum())
                     for i in range(0, z.shape[0], r) for j in range(0, z.shape[1], c)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0, help="input size factor (1 = 4 GiB)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--dir", type=Path, default=None)
    ap.add_argument("--cases", default=",".join(CASES), help="comma-separated subset")
    ap.add_argument("--child", nargs=3, metavar=("CASE", "CONTENDER", "DIR"))
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], args.child[1], Path(args.child[2]), args.out)
        return
    tmp = Path(tempfile.mkdtemp(prefix="bench-memory-", dir=args.dir))
    try:
        expected = make_inputs(tmp, args.scale)
        results: dict[tuple[str, str], list[dict[str, float]]] = {}
        cases = [c for c in args.cases.split(",") if c in CASES]
        for _ in range(args.runs):
            for case in cases:
                for contender in ["chunkarray", "dask"]:
                    out = tmp / f"out-{case}-{contender}.zarr"
                    proc = subprocess.run(
                        [sys.executable, __file__, "--child", case, contender, str(tmp),
                         "--out", str(out)], capture_output=True, text=True, check=True)
                    shutil.rmtree(out, ignore_errors=True)
                    r = json.loads(proc.stdout.strip().splitlines()[-1])
                    ok = np.isclose(r["check"], expected[case], rtol=1e-9, atol=1e-3)
                    assert ok, f"{case} {contender}: {r['check']} != {expected[case]}"
                    results.setdefault((case, contender), []).append(r)
        rows = []
        for case in cases:
            t_dask = statistics.median(r["seconds"] for r in results[(case, "dask")])
            for contender in ["chunkarray", "dask"]:
                rs = results[(case, contender)]
                t = statistics.median(r["seconds"] for r in rs)
                peak = statistics.median(r["peak"] for r in rs) / 2**20
                worst = max(r["peak"] for r in rs) / 2**20
                note = ""
                if contender == "chunkarray":
                    s = rs[-1]["stats"] or {}
                    ok = worst <= LIMIT / 2**20 + 300
                    note = (f"spilled {s.get('spilled', 0) / 2**20:.0f} MiB, dropped "
                            f"{s.get('dropped', 0)} chunks; RSS target {'met' if ok else 'MISSED'}")
                rows.append([case, contender, f"{t:.2f}", f"{t / t_dask:.2f}", f"{peak:.0f}",
                             f"{worst:.0f}", note])
        print(f"Memory benchmarks, scale {args.scale:g}, memory_limit=512 MiB for chunkarray, "
              f"median of {args.runs} alternating runs, each in its own process")
        print(table(rows, ["case", "contender", "seconds", "vs dask", "peak RSS MiB (median)",
                           "worst", "notes"]))
        print("targets: chunkarray worst peak RSS <= 812 MiB; time <= dask on W3 and W4")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
