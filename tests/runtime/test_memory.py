"""The memory manager: budget, spill and reload, drop and re-read, persist, errors."""

from __future__ import annotations

import errno
import gc
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import zarr

import chunkarray as ca
import chunkarray.array as caa
from chunkarray.errors import PerformanceWarning
from chunkarray.runtime import memory
from chunkarray.storage import spill_store as spill_module

A = np.random.default_rng(0).random((4000, 500))  # 16 MB, 8 chunks of 2 MB
CHUNKS = (500, 500)


def derived() -> caa.Array:
    """An array whose blocks are not plain reads (they must be spilled, not dropped)."""
    return caa.from_array(A, chunks=CHUNKS) * 2


def test_no_spilling_under_a_roomy_budget() -> None:
    y = derived()
    with ca.config.set(memory_limit="1GiB"):
        np.testing.assert_allclose(y.compute(), A * 2)
    stats = ca.diagnostics.last_run()
    assert stats.spilled_chunks == 0 and stats.dropped_chunks == 0
    assert stats.peak_managed_bytes >= A.nbytes  # all output chunks were held


def test_spilling_starts_at_the_limit_and_results_equal_numpy() -> None:
    y = derived()
    limit = 5 * 2**20
    with ca.config.set(memory_limit=limit):
        np.testing.assert_allclose(y.compute(), A * 2)
    stats = ca.diagnostics.last_run()
    assert stats.spilled_chunks > 0 and stats.reloaded_chunks > 0
    assert stats.peak_managed_bytes <= limit
    assert stats.spilled_bytes >= A.nbytes - limit


def test_a_reloaded_chunk_is_memory_mapped_from_its_file() -> None:
    seen = []

    def record(block: np.ndarray, total: np.ndarray) -> np.ndarray:
        seen.append(type(block))
        return block - total

    y = derived()
    # Every block waits for the total of all blocks, so the blocks pile up and are
    # spilled; the subtraction then reads them back from their files.
    with ca.config.set(memory_limit=6 * 2**20):
        out = caa.map_blocks(record, y, y.sum(), dtype=float).compute()
    np.testing.assert_allclose(out, A * 2 - (A * 2).sum())
    assert ca.diagnostics.last_run().spilled_chunks > 0
    assert np.memmap in seen


def test_plain_reads_are_dropped_and_read_again_not_spilled(tmp_path: Path) -> None:
    z = zarr.create_array(str(tmp_path / "x.zarr"), shape=A.shape, chunks=CHUNKS, dtype="f8",
                          compressors=None)
    z[...] = A
    x = caa.from_zarr(str(tmp_path / "x.zarr"))
    limit = 5 * 2**20
    with ca.config.set(memory_limit=limit):
        (x - x.mean(axis=0)).to_zarr(str(tmp_path / "out.zarr"), compressors=None)
    stats = ca.diagnostics.last_run()
    assert stats.dropped_chunks > 0 and stats.reread_chunks > 0
    assert stats.spilled_chunks == 0
    assert stats.peak_managed_bytes <= limit
    out = zarr.open_array(str(tmp_path / "out.zarr"))[...]
    np.testing.assert_allclose(out, A - A.mean(axis=0))


def test_values_are_freed_after_their_last_use() -> None:
    y = derived()
    with ca.config.set(memory_limit="1GiB"):
        assert np.isclose(float(y.sum().compute()), float((A * 2).sum()))
    # Each chunk is consumed by its partial sum at once: never more than a few held.
    assert ca.diagnostics.last_run().peak_managed_bytes < 3 * 500 * 500 * 8


def test_a_persisted_collection_is_freed_when_garbage_collected() -> None:
    gc.collect()
    before = memory.persisted.bytes
    p = derived().persist()
    assert memory.persisted.bytes - before == A.nbytes
    np.testing.assert_allclose(p.compute(), A * 2)
    del p
    gc.collect()
    assert memory.persisted.bytes == before


def test_persisted_chunks_spill_above_the_budget_and_are_freed_on_disk() -> None:
    gc.collect()
    with ca.config.set(memory_limit=6 * 2**20):
        p = derived().persist()
        assert memory.persisted.bytes <= 6 * 2**20
        store = memory.spill_store()
        on_disk = store.bytes_on_disk
        assert on_disk >= A.nbytes - 6 * 2**20
        np.testing.assert_allclose(p.compute(), A * 2)
    del p
    gc.collect()
    assert store.bytes_on_disk < on_disk


def test_persisting_beyond_the_budget_writes_each_chunk_to_disk_at_most_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks spilled during the run come back memory-mapped; holding them spills nothing."""
    gc.collect()
    store = memory.spill_store()
    puts: list[object] = []
    original = type(store).put

    def counting_put(self: object, key: object, value: object) -> object:
        puts.append(key)
        return original(self, key, value)  # type: ignore[arg-type]

    monkeypatch.setattr(type(store), "put", counting_put)
    with ca.config.set(memory_limit=6 * 2**20):
        p = derived().persist()
        assert puts, "the budget is below the data: something must spill"
        assert len(puts) <= 8  # 8 chunks
        assert memory.persisted.bytes <= 6 * 2**20
        np.testing.assert_allclose(p.compute(), A * 2)
    del p
    gc.collect()


def test_a_chunk_larger_than_the_budget_warns_once_and_computes() -> None:
    y = derived()
    with ca.config.set(memory_limit=2**20), pytest.warns(PerformanceWarning, match="memory_limit"):
        np.testing.assert_allclose(y.compute(), A * 2)


def test_an_unusable_spill_dir_fails_when_the_compute_starts(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    ran = []

    def mark(b: np.ndarray) -> np.ndarray:
        ran.append(1)
        return b

    y = caa.from_array(A, chunks=CHUNKS).map_blocks(mark, dtype=float)
    with ca.config.set(spill_dir=str(blocker / "spill")):
        with pytest.raises(OSError, match="a-file"):
            y.compute()
    assert ran == []


def test_a_failing_spill_write_fails_the_compute_and_leaves_targets_intact(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = str(tmp_path / "t.zarr")
    caa.from_array(np.ones((8, 8)), chunks=4).to_zarr(target)
    before = sorted(p.read_bytes() for p in Path(target).rglob("*") if p.is_file())

    def disk_full(path: str, array: np.ndarray) -> None:
        with open(path, "wb") as f:
            f.write(b"\0" * 10)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(spill_module, "_write_npy", disk_full)
    y = derived()
    big = caa.concatenate([y, y]).rechunk((1000, 500))
    with ca.config.set(memory_limit=6 * 2**20):
        with pytest.raises(spill_module.SpillError, match="No space left|space"):
            (big * 1).to_zarr(target, overwrite=True)
    after = sorted(p.read_bytes() for p in Path(target).rglob("*") if p.is_file())
    assert after == before
    np.testing.assert_array_equal(zarr.open_array(target)[...], np.ones((8, 8)))


def test_the_spill_directory_is_gone_after_exit(tmp_path: Path) -> None:
    parent = tmp_path / "spill"
    for ending in ["", "raise SystemExit(3)", "raise RuntimeError('boom')"]:
        code = textwrap.dedent(f"""
            import numpy as np, chunkarray as ca, chunkarray.array as caa
            ca.config.set(spill_dir={str(parent)!r}, memory_limit=6 * 2**20)
            y = caa.from_array(np.random.default_rng(0).random((4000, 500)), chunks=500) * 2
            y.compute()
            assert ca.diagnostics.last_run().spilled_chunks > 0
            import os
            assert os.listdir({str(parent)!r})
            {ending}
            """)
        subprocess.run([sys.executable, "-c", code], capture_output=True, check=False)
        assert parent.exists() and list(parent.iterdir()) == []
