"""W6b: read a multi-file CSV and a Parquet dataset and group by: chunkarray vs Dask.

Data (written once, cached under ``--data``, default a directory in the system temp):
a timeseries-like table, a timestamp and columns ``name`` (26 first names), ``id``
(Poisson around 1000), ``x`` and ``y`` (uniform in [-1, 1)):

- CSV: about 1 GiB in 16 files (``--small``: 64 MiB in 4 files), the timestamp a column;
- Parquet: about 1 GiB in 32 files (``--small``: 64 MiB in 4 files), the timestamp the
  (sorted) index, written by pyarrow with its defaults (snappy).

The query, the same code for both libraries::

    read_csv(files, usecols=["name", "x", "y"])       # or read_parquet(dir, columns=...)
        .groupby("name").agg({"x": "mean", "y": "std"}).compute()

Both read only the three columns the query needs. With ``--all-columns`` the query is
also run without naming them: both then prune the columns by themselves (Dask in its
expression optimizer, chunkarray's groupby by reading a plain read again with only the
columns it needs; it also reads the key ``name`` as dictionary codes). Dask uses its default threaded scheduler and
blocksize; chunkarray its default ``blocksize="64MiB"`` and
``memory_limit="1GiB"``. Each run is a fresh subprocess (time from the read call to
the result, peak RSS from ``ru_maxrss`` and a psutil sampler); contenders alternate
A B A B ...; medians are reported and the two results are checked to be equal.
Targets: chunkarray <= 0.8x Dask's time; chunkarray's peak RSS under 1.3 GiB.

Run: ``python benchmarks/bench_dataframe_io.py [--small] [--runs 5] [--data DIR]``.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from _common import table

NAMES = ["Alice", "Bob", "Charlie", "Dan", "Edith", "Frank", "George", "Hannah", "Ingrid",
         "Jerry", "Kevin", "Laura", "Michael", "Norbert", "Oliver", "Patricia", "Quinn",
         "Ray", "Sarah", "Tim", "Ursula", "Victor", "Wendy", "Xavier", "Yvonne", "Zelda"]
CSV_ROW_BYTES = 71  # about, with floats written in full precision
PARQUET_ROW_BYTES = 25  # measured: snappy leaves the doubles as they are
COLUMNS = ["name", "x", "y"]
GiB = 2**30


def _frame(rows: int, seed: int, start: int):
    import pandas as pd

    rng = np.random.default_rng(seed)
    index = pd.date_range("2000-01-01", periods=rows, freq="1s", name="timestamp")
    index = index + pd.Timedelta(seconds=start)
    return pd.DataFrame({
        "name": np.array(NAMES)[rng.integers(0, len(NAMES), rows)],
        "id": rng.poisson(1000, rows),
        "x": rng.uniform(-1, 1, rows),
        "y": rng.uniform(-1, 1, rows),
    }, index=index)


def make_data(root: Path, total: int, files: int, kind: str) -> Path:
    """Write (once) ``files`` files of about ``total`` bytes together; their directory."""
    per_row = CSV_ROW_BYTES if kind == "csv" else PARQUET_ROW_BYTES
    rows = total // per_row // files
    folder = root / f"{kind}-{files}x{rows}"
    done = folder / "_DONE"
    if done.exists():
        return folder
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    for k in range(files):
        frame = _frame(rows, seed=k, start=k * rows)
        if kind == "csv":
            frame.to_csv(folder / f"part-{k}.csv")
        else:
            pq.write_table(pa.Table.from_pandas(frame), folder / f"part.{k}.parquet")
        print(f"  wrote {kind} file {k + 1}/{files}", file=sys.stderr, flush=True)
    done.write_text("ok")
    return folder


def _query_chunkarray(kind: str, folder: Path):
    import chunkarray as ca
    import chunkarray.dataframe as cad

    with ca.config.set(memory_limit="1GiB"):
        if kind == "csv":
            df = cad.read_csv(str(folder / "part-*.csv"), usecols=COLUMNS)
        elif kind == "csv-all":
            df = cad.read_csv(str(folder / "part-*.csv"))
        elif kind == "parquet":
            df = cad.read_parquet(str(folder), columns=COLUMNS)
        else:
            df = cad.read_parquet(str(folder))
        return df.groupby("name").agg({"x": "mean", "y": "std"}).compute()


def _query_dask(kind: str, folder: Path):
    import dask.dataframe as dd

    if kind == "csv":
        df = dd.read_csv(str(folder / "part-*.csv"), usecols=COLUMNS)
    elif kind == "csv-all":
        df = dd.read_csv(str(folder / "part-*.csv"))
    elif kind == "parquet":
        df = dd.read_parquet(str(folder), columns=COLUMNS)
    else:
        df = dd.read_parquet(str(folder))
    return df.groupby("name").agg({"x": "mean", "y": "std"}).compute()


class _Sampler(threading.Thread):
    """Samples this process's RSS every few milliseconds (psutil)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        import psutil

        self.process = psutil.Process()
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.005)


def child(library: str, kind: str, folder: Path, out: Path) -> None:
    """One timed run in this (fresh) process; prints JSON with seconds and peak bytes."""
    import pandas  # noqa: F401  (imports are not timed: both pay them)

    if library == "dask":
        import dask.dataframe  # noqa: F401
    else:
        import chunkarray.dataframe  # noqa: F401
    sampler = _Sampler()
    sampler.start()
    start = time.perf_counter()
    result = (_query_dask if library == "dask" else _query_chunkarray)(kind, folder)
    seconds = time.perf_counter() - start
    sampler.stop.set()
    sampler.join()
    peak = max(sampler.peak, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    with open(out, "wb") as f:
        pickle.dump(result, f)
    print(json.dumps({"seconds": seconds, "peak": peak}))


def _run(library: str, kind: str, folder: Path, out: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.run(
        [sys.executable, __file__, "--child", library, kind, str(folder), str(out)],
        capture_output=True, text=True, env=env, check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{library} {kind} run failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _check(a: Path, b: Path) -> None:
    import pandas as pd

    with open(a, "rb") as f:
        left = pickle.load(f).sort_index()
    with open(b, "rb") as f:
        right = pickle.load(f).sort_index()
    pd.testing.assert_frame_equal(left, right, check_exact=False, rtol=1e-9,
                                  check_index_type=False, check_names=False)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="64 MiB datasets, 4 files")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data", default=os.path.join(tempfile.gettempdir(),
                                                       "chunkarray-bench-dataframe-io"))
    parser.add_argument("--only", choices=["csv", "parquet"], default=None)
    parser.add_argument("--all-columns", action="store_true",
                        help="also run the query without naming the columns (both prune "
                             "them by themselves)")
    parser.add_argument("--prepare", action="store_true", help="only write the datasets")
    parser.add_argument("--size", default=None, help="dataset size, e.g. 256MiB (overrides)")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    return parser.parse_args()


def _layout(args: argparse.Namespace) -> tuple[int, dict[str, int]]:
    """Total bytes per dataset and files per format."""
    if args.size:
        from chunkarray.sizes import parse_bytes

        total = parse_bytes(args.size)
        return total, {"csv": max(1, round(16 * total / GiB)),
                       "parquet": max(1, round(32 * total / GiB))}
    if args.small:
        return 64 * 2**20, {"csv": 4, "parquet": 4}
    return GiB, {"csv": 16, "parquet": 32}


def _case(kind: str, folder: Path, files: int, runs: int, scratch: Path) -> list[str]:
    """Alternating runs of one case; its table row."""
    size = sum(p.stat().st_size for p in folder.iterdir())
    times: dict[str, list[float]] = {"chunkarray": [], "dask": []}
    peaks: dict[str, list[float]] = {"chunkarray": [], "dask": []}
    for run in range(runs):
        for library in ("chunkarray", "dask"):
            report = _run(library, kind, folder, scratch / f"{library}-{kind}.pkl")
            times[library].append(report["seconds"])
            peaks[library].append(report["peak"])
            print(f"  {kind} run {run + 1} {library}: {report['seconds']:.2f} s, "
                  f"peak {report['peak'] / GiB:.2f} GiB", file=sys.stderr, flush=True)
        _check(scratch / f"chunkarray-{kind}.pkl", scratch / f"dask-{kind}.pkl")
    ca_t, dask_t = statistics.median(times["chunkarray"]), statistics.median(times["dask"])
    base = kind.removesuffix("-all")
    label = f"{base}, all columns" if kind.endswith("-all") else f"{base}, 3 columns"
    return [f"W6b {label} ({size / GiB:.2f} GiB, {files} files)", f"{ca_t:.2f}",
            f"{dask_t:.2f}", f"{ca_t / dask_t:.2f}", f"{max(peaks['chunkarray']) / GiB:.2f}",
            f"{max(peaks['dask']) / GiB:.2f}"]


def main() -> None:
    args = _arguments()
    if args.child:
        library, kind, folder, out = args.child
        child(library, kind, Path(folder), Path(out))
        return
    total, layout = _layout(args)
    scratch = Path(tempfile.mkdtemp(prefix="bench-io-results-"))
    kinds = [args.only] if args.only else ["csv", "parquet"]
    if args.all_columns:
        kinds += [f"{k}-all" for k in kinds]
    rows = []
    for kind in kinds:
        base = kind.removesuffix("-all")
        folder = make_data(Path(args.data), total, layout[base], base)
        if not args.prepare:
            rows.append(_case(kind, folder, layout[base], args.runs, scratch))
    if rows:
        print(table(rows, ["case", "chunkarray s", "dask s", "ratio", "ca peak GiB",
                           "dask peak GiB"]))
        print(f"runs: {args.runs} each, alternating, medians; results equal in every run; "
              "targets: ratio <= 0.8, ca peak < 1.3 GiB")
        print(f"machine: {os.cpu_count()} CPUs, load average at the end "
              f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
