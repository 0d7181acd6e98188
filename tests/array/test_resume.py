"""Tests for resumable Zarr writes: ``to_zarr(..., resume=True)`` in chunkarray.array.io."""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

import numpy as np
import pytest
import zarr
from hypothesis import given, settings
from hypothesis import strategies as st

from chunkarray import config
from chunkarray.array import io
from chunkarray.array.blockwise import map_blocks
from chunkarray.array.creation import from_array, zeros
from chunkarray.array.io import (
    PROGRESS_DIR,
    from_zarr,
    has_unfinished_write,
    marker_name,
    to_zarr,
)
from chunkarray.delayed import Delayed
from chunkarray.testing.assert_eq import assert_eq


def write(x, path, workers=None, **kwargs):
    """``to_zarr`` with ``num_workers`` set for the compute."""
    with config.set(num_workers=workers or 4):
        return to_zarr(x, path, **kwargs)


def snapshot(path: Path) -> dict[str, bytes]:
    """Every file under ``path`` (or the file itself) with its bytes."""
    if path.is_file():
        return {"": path.read_bytes()}
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*"))
            if p.is_file()}


class Source:
    """A source array whose block ``bad`` raises while ``crash`` is set; counts block calls."""

    def __init__(self, data: np.ndarray, chunks, bad: tuple[int, ...] | None = None):
        self.data = data
        self.bad = bad
        self.crash = bad is not None
        self.calls: list[tuple[int, ...]] = []
        self.lock = threading.Lock()
        self.array = map_blocks(self._block, from_array(data, chunks=chunks), dtype=data.dtype)

    def _block(self, block, block_id=None):
        with self.lock:
            self.calls.append(block_id)
        if self.crash and block_id == self.bad:
            raise RuntimeError(f"simulated crash in block {block_id}")
        return block


@pytest.fixture
def writes(monkeypatch):
    """The block indices written by resumable writes, in write order.

    Wraps the chunk-writing function of io.py. Also checks, at every write, that
    the progress directory already exists (an interrupted state never looks complete).
    """
    written: list[tuple[int, ...]] = []
    lock = threading.Lock()
    original = io.write_block_marked

    def counting(target, region, block, progress, chunk_shape):
        assert os.path.isdir(progress)
        index = tuple(s.start // c for s, c in zip(region, chunk_shape))
        original(target, region, block, progress, chunk_shape)
        with lock:
            written.append(index)

    monkeypatch.setattr(io, "write_block_marked", counting)
    return written


def all_blocks(numblocks) -> set[tuple[int, ...]]:
    return {tuple(int(i) for i in idx) for idx in np.ndindex(*numblocks)}


def markers(path: Path) -> set[str]:
    return set(os.listdir(path / PROGRESS_DIR))


# -- a crash, then a resume that writes only what is missing --

def test_resume_after_crash_writes_only_missing_chunks(tmp_path, writes):
    data = np.arange(8 * 6, dtype="f8").reshape(8, 6)
    src = Source(data, chunks=(2, 3), bad=(2, 1))
    path = tmp_path / "x.zarr"
    with pytest.raises(RuntimeError, match="simulated crash"):
        write(src.array, path, resume=True, compressors=None, workers=1)
    first = set(writes)
    assert (2, 1) not in first
    assert markers(path) == {marker_name(i) for i in first}
    assert has_unfinished_write(path)

    src.crash = False
    writes.clear()
    src.calls.clear()
    to_zarr(src.array, path, resume=True, compressors=None)
    everything = all_blocks((4, 2))
    assert set(writes) == everything - first
    assert len(writes) == len(everything - first)  # each missing chunk exactly once
    assert set(src.calls) == everything - first  # done chunks are not even computed
    assert not has_unfinished_write(path)
    assert not (path / PROGRESS_DIR).exists()
    assert [p.name for p in path.rglob(".*")] == []
    np.testing.assert_array_equal(zarr.open_array(path, mode="r")[:], data)
    assert_eq(from_zarr(path), data)


def test_resume_with_threads_and_component(tmp_path, writes):
    data = np.random.default_rng(1).normal(size=(10, 9))
    src = Source(data, chunks=(3, 4), bad=(1, 1))
    path = tmp_path / "g.zarr"
    with pytest.raises(RuntimeError):
        write(src.array, path, component="sub/x", resume=True, workers=4)
    first = set(writes)
    assert has_unfinished_write(path, "sub/x")
    assert zarr.open_group(path, mode="r")["sub"] is not None
    src.crash = False
    writes.clear()
    write(src.array, path, component="sub/x", resume=True, workers=4)
    assert sorted(writes) == sorted(all_blocks((4, 3)) - first)
    assert not has_unfinished_write(path, "sub/x")
    assert_eq(from_zarr(path, component="sub/x"), data)


def test_interrupted_target_is_not_reported_complete(tmp_path, writes):
    src = Source(np.arange(12), chunks=3, bad=(0,))
    path = tmp_path / "x.zarr"
    with pytest.raises(RuntimeError):
        write(src.array, path, resume=True, workers=1)
    assert (path / PROGRESS_DIR).is_dir()
    assert (path / "zarr.json").is_file()
    assert has_unfinished_write(path) and has_unfinished_write(str(path))
    with pytest.raises(ValueError, match="incomplete.*resume=True"):
        from_zarr(path)
    # A plain (non-resume) write does not take the incomplete array for its own.
    with pytest.raises(FileExistsError):
        to_zarr(np.arange(12), path)


def test_chunk_written_without_marker_is_written_again(tmp_path, monkeypatch):
    """A crash after a chunk's bytes but before its marker: the chunk is not done."""
    path = tmp_path / "x.zarr"
    original = io.write_block
    seen: list[tuple[slice, ...]] = []

    def crash_after_write(target, region, block, lock):
        original(target, region, block, lock)
        seen.append(region)
        if region[0].start == 4:
            raise RuntimeError("crash between the chunk and its marker")

    monkeypatch.setattr(io, "write_block", crash_after_write)
    with pytest.raises(RuntimeError):
        write(from_array(np.arange(8), chunks=2), path, resume=True, compressors=None,
              workers=1)
    assert (path / "c" / "2").is_file()  # the chunk's bytes are there ...
    assert marker_name((2,)) not in markers(path)  # ... but it does not count
    monkeypatch.setattr(io, "write_block", original)
    done_before = markers(path)
    counted: list[tuple[int, ...]] = []
    marked = io.write_block_marked
    monkeypatch.setattr(io, "write_block_marked", lambda t, r, b, p, c: (
        counted.append(tuple(s.start // n for s, n in zip(r, c))), marked(t, r, b, p, c)))
    to_zarr(from_array(np.arange(8), chunks=2), path, resume=True, compressors=None)
    assert (2,) in counted
    assert {marker_name(i) for i in counted} == {marker_name((i,)) for i in range(4)} - done_before
    assert_eq(from_zarr(path), np.arange(8))


def test_progress_directory_made_before_metadata(tmp_path, monkeypatch):
    """Crash while creating the array: only the progress directory exists, resume goes on."""
    path = tmp_path / "x.zarr"

    def no_create(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(zarr, "create_array", no_create)
    with pytest.raises(OSError, match="disk full"):
        to_zarr(np.arange(4), path, resume=True)
    assert os.listdir(path) == [PROGRESS_DIR]
    assert has_unfinished_write(path)
    monkeypatch.undo()
    to_zarr(from_array(np.arange(4), chunks=2), path, resume=True)
    assert_eq(from_zarr(path), np.arange(4), check_chunks=False)
    assert os.listdir(path) != [PROGRESS_DIR] and not has_unfinished_write(path)


# -- complete arrays --

def test_resume_on_complete_array_writes_nothing(tmp_path, writes):
    data = np.arange(20).reshape(4, 5)
    path = tmp_path / "x.zarr"
    x = from_array(data, chunks=2)
    to_zarr(x, path, resume=True)
    assert len(writes) == 6
    before = snapshot(path)
    writes.clear()
    src = Source(data, chunks=2)
    assert to_zarr(src.array, path, resume=True) is None
    assert writes == [] and src.calls == []
    assert snapshot(path) == before


def test_resume_on_array_written_without_resume_writes_nothing(tmp_path, writes):
    path = tmp_path / "x.zarr"
    to_zarr(from_array(np.arange(6), chunks=2), path)
    before = snapshot(path)
    to_zarr(from_array(np.arange(6), chunks=2), path, resume=True)
    assert writes == [] and snapshot(path) == before


def test_resume_creates_missing_target(tmp_path, writes):
    path = tmp_path / "new.zarr"
    to_zarr(from_array(np.arange(7.0), chunks=3), path, resume=True, compressors=None)
    assert sorted(writes) == [(0,), (1,), (2,)]
    assert not has_unfinished_write(path)
    assert_eq(from_zarr(path), np.arange(7.0))


def test_resume_lazy(tmp_path, writes):
    path = tmp_path / "x.zarr"
    d = to_zarr(from_array(np.arange(6), chunks=2), path, resume=True, compute=False)
    assert isinstance(d, Delayed)
    assert has_unfinished_write(path)  # created, not yet written: incomplete
    assert writes == []
    d.compute()
    assert len(writes) == 3 and not has_unfinished_write(path)
    done = to_zarr(from_array(np.arange(6), chunks=2), path, resume=True, compute=False)
    assert done.compute() is None and len(writes) == 3


# -- alignment --

def test_resume_writes_one_task_per_target_chunk(tmp_path, writes):
    data = np.arange(30)
    x = from_array(data, chunks=((7, 3, 12, 8),))  # not aligned with chunks=5
    path = tmp_path / "x.zarr"
    to_zarr(x, path, resume=True, chunks=(5,))
    assert sorted(writes) == [(i,) for i in range(6)]
    assert_eq(from_zarr(path), data, check_chunks=False)


def test_resume_with_shards(tmp_path, writes):
    data = np.arange(40).reshape(8, 5)
    src = Source(data, chunks=(4, 5), bad=(1, 0))
    path = tmp_path / "x.zarr"
    kwargs = dict(resume=True, chunks=(2, 5), shards=(4, 5), workers=1)
    with pytest.raises(RuntimeError):
        write(src.array, path, **kwargs)
    done = markers(path)
    assert done <= {"c.0.0"}  # one marker per shard (4 rows), none for the failed one
    src.crash = False
    writes.clear()
    write(src.array, path, **kwargs)
    assert {marker_name(i) for i in writes} == {"c.0.0", "c.1.0"} - done
    assert len(writes) == 2 - len(done)
    np.testing.assert_array_equal(zarr.open_array(path, mode="r")[:], data)


def test_resume_fill_value_chunks_and_zero_d(tmp_path, writes):
    path = tmp_path / "z.zarr"
    to_zarr(zeros((4, 4), chunks=2), path, resume=True)
    assert len(writes) == 4 and not has_unfinished_write(path)
    assert_eq(from_zarr(path), np.zeros((4, 4)))
    scalar = tmp_path / "s.zarr"
    to_zarr(from_array(np.array(3.5)), scalar, resume=True)
    assert_eq(from_zarr(scalar), np.array(3.5))


@settings(max_examples=15)
@given(
    shape=st.lists(st.integers(1, 9), min_size=1, max_size=2),
    chunk=st.integers(1, 4),
    data=st.data(),
)
def test_resume_property(shape, chunk, data):
    values = np.arange(int(np.prod(shape)), dtype="i4").reshape(shape)
    numblocks = tuple(-(-n // chunk) for n in shape)
    bad = tuple(data.draw(st.integers(0, nb - 1)) for nb in numblocks)
    src = Source(values, chunks=chunk, bad=bad)
    path = Path(tempfile.mkdtemp()) / "x.zarr"
    with pytest.raises(RuntimeError):
        write(src.array, path, resume=True, workers=2)
    done = markers(path)
    assert marker_name(bad) not in done
    src.crash = False
    src.calls.clear()
    write(src.array, path, resume=True, workers=2)
    missing = {i for i in all_blocks(numblocks) if marker_name(i) not in done}
    assert sorted(src.calls) == sorted(missing)
    assert_eq(from_zarr(path), values, check_chunks=False)


# -- bad input --

def test_metadata_mismatch_names_what_differs(tmp_path):
    path = tmp_path / "x.zarr"
    src = Source(np.arange(12.0), chunks=4, bad=(1,))
    with pytest.raises(RuntimeError):
        write(src.array, path, resume=True, workers=1)
    before = snapshot(path)
    with pytest.raises(ValueError, match=r"shape \(12,\) where the source has \(10,\)"):
        to_zarr(from_array(np.arange(10.0), chunks=4), path, resume=True)
    with pytest.raises(ValueError, match="dtype float64 where the source has int64"):
        to_zarr(from_array(np.arange(12), chunks=4), path, resume=True)
    with pytest.raises(ValueError, match=r"chunks \(4,\) where the source has \(3,\)"):
        to_zarr(from_array(np.arange(12.0), chunks=3), path, resume=True)
    with pytest.raises(ValueError, match=r"chunks \(4,\) where the source has \(6,\)"):
        to_zarr(from_array(np.arange(12.0), chunks=4), path, resume=True, chunks=(6,))
    assert snapshot(path) == before


def test_resume_refuses_other_things(tmp_path):
    plain = tmp_path / "file.zarr"
    plain.write_bytes(b"not zarr")
    with pytest.raises(FileExistsError, match="something other than a Zarr array"):
        to_zarr(np.arange(3), plain, resume=True)
    assert plain.read_bytes() == b"not zarr"
    group = tmp_path / "g.zarr"
    zarr.open_group(group, mode="w")
    before = snapshot(group)
    with pytest.raises(FileExistsError, match="Zarr group, not an array"):
        to_zarr(np.arange(3), group, resume=True)
    with pytest.raises(ValueError, match="needs a Zarr group"):
        to_zarr(np.arange(3), plain, component="x", resume=True)
    assert snapshot(group) == before and plain.read_bytes() == b"not zarr"


def test_resume_argument_errors(tmp_path):
    with pytest.raises(ValueError, match="exclude each other"):
        to_zarr(np.arange(3), tmp_path / "x.zarr", resume=True, overwrite=True)
    with pytest.raises(ValueError, match="needs a local path"):
        to_zarr(np.arange(3), zarr.storage.MemoryStore(), resume=True)
    z = zarr.create_array(zarr.storage.MemoryStore(), shape=(3,), dtype="i8")
    with pytest.raises(ValueError, match="needs a local path"):
        to_zarr(np.arange(3), z, resume=True)
    assert not (tmp_path / "x.zarr").exists()
