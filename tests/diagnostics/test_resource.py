from __future__ import annotations

import time

import numpy as np

import chunkarray as ca
import chunkarray.array as caa
from chunkarray.diagnostics import ResourceProfiler, last_run, memory_usage


def hold(*blocks: np.ndarray) -> float:
    time.sleep(0.3)  # every block is held by the memory manager meanwhile
    return float(sum(b.sum() for b in blocks))


def test_samples_see_the_managed_bytes_and_the_limit() -> None:
    data = np.random.default_rng(0).standard_normal((8, 131072))  # 8 blocks of 1 MiB
    x = caa.from_array(data, chunks=(1, 131072)) * 2
    blocks = list(x.to_delayed().ravel())
    with ca.config.set(memory_limit="1GiB"), ResourceProfiler(dt=0.02) as rprof:
        result = ca.delayed(hold)(*blocks).compute()
    np.testing.assert_allclose(result, (data * 2).sum())
    samples = rprof.results
    assert len(samples) >= 5
    times = [s.time for s in samples]
    assert times == sorted(times)
    assert all(s.memory_limit == 2**30 and 0 < s.anonymous_bytes <= s.rss_bytes for s in samples)
    assert max(s.managed_bytes for s in samples) >= data.nbytes
    assert rprof.peak_rss_bytes >= max(s.managed_bytes for s in samples)


def test_spilled_bytes_follow_the_run() -> None:
    rng = caa.random.default_rng(1)
    x = rng.standard_normal((2048, 1024), chunks=(128, 1024))  # 16 MiB, not rereadable
    with ca.config.set(memory_limit="4MiB"), ResourceProfiler(dt=0.005) as rprof:
        got = (x - x.mean(axis=0)).std().compute()
    stats = last_run()
    assert stats is not None and stats.spilled_bytes > 0
    assert max(s.spilled_bytes for s in rprof.results) == stats.spilled_bytes
    assert np.isfinite(got)


def test_no_sampling_between_computes() -> None:
    with ResourceProfiler(dt=0.01) as rprof:
        ca.delayed(sum)([1]).compute()
        n = len(rprof.results)
        time.sleep(0.1)
        assert len(rprof.results) == n
    assert memory_usage().spilled_bytes == 0  # no compute is running
