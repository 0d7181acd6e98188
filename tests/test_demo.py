"""``chunkarray demo`` at a small size, end to end through a subprocess."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import zarr

ROOT = Path(__file__).resolve().parents[1]


def test_demo_small(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "chunkarray", "demo", "--size", "8MiB", "--dir", str(tmp_path)],
        capture_output=True, text=True, env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for step in ("== delayed functions", "== dataframes", "== synthetic data: 8.00 MiB",
                 "== reductions", "== y = (2 * x).persist()", "== anomaly", "demo finished"):
        assert step in out, step
    assert "-> 1073741824" in out  # z = x * y of the tutorial: 4**5 * (4**5)**2
    assert "100%" in out  # the progress bars
    assert done.stderr == ""  # no warning, no error
    check_dataframe_step(out)
    x = zarr.open_array(str(tmp_path / "data.zarr"), mode="r")[...]
    anomaly = zarr.open_array(str(tmp_path / "anomaly.zarr"), mode="r")[...]
    np.testing.assert_allclose(anomaly, x - x.mean(axis=0), atol=1e-12)
    sums = re.search(r"x\.sum\(\) = (-?[\d.]+), x\.std\(\) = ([\d.]+)", out)
    assert sums is not None
    np.testing.assert_allclose(float(sums[1]), x.sum(), atol=0.01)
    np.testing.assert_allclose(float(sums[2]), x.std(), atol=1e-6)
    held = re.search(r"memory_limit ([\d.]+) MiB: peak held by the memory manager ([\d.]+) MiB",
                     out)
    assert held is not None and float(held[1]) == 2.0  # a quarter of 8 MiB
    # The memory manager's bound: the limit plus the chunks in flight (chunks of 128 KiB,
    # one per worker; num_workers defaults to the CPU count).
    in_flight = (os.cpu_count() or 1) * 128 / 1024
    assert float(held[2]) <= 2.0 + in_flight
    assert re.search(r"[1-9]\d* chunks spilled to disk", out)  # the persist step spilled
    pictures = sorted(p.name for p in tmp_path.iterdir() if p.stem in ("z", "anomaly")
                      and p.suffix in (".svg", ".dot"))
    assert len(pictures) == 2
    profile = (tmp_path / "profile.html").read_text()
    assert profile.count("<rect ") >= x.size // x.shape[1] // 16  # one bar per task at least


def check_dataframe_step(out: str) -> None:
    """The printed std per name equals pandas' on the same timeseries."""
    import chunkarray as ca

    df = ca.datasets.timeseries(seed=42).compute()
    expected = df[df.y > 0].groupby("name").x.std().head()
    assert "repartition, 3 tasks" in out
    for name, value in expected.items():
        line = re.search(rf"^ +{name} +([\d.]+)$", out, re.MULTILINE)
        assert line is not None, name
        np.testing.assert_allclose(float(line[1]), value, atol=1e-6)
