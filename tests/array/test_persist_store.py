"""Tests for chunkarray.array.persist: persisting arrays to a durable Zarr store."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
import zarr

from chunkarray.array import io
from chunkarray.array.blockwise import map_blocks
from chunkarray.array.core import Array
from chunkarray.array.creation import from_array
from chunkarray.array.io import PROGRESS_DIR, from_zarr, has_unfinished_write
from chunkarray.array.persist import persist_array_to_store, persist_arrays_to_store
from chunkarray.storage.zarr import ZarrReader
from chunkarray.testing.assert_eq import assert_eq


def snapshot(path: Path) -> dict[str, bytes]:
    """Every file under ``path`` (or the file itself) with its bytes."""
    if path.is_file():
        return {"": path.read_bytes()}
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*"))
            if p.is_file()}


def counted(data, chunks, bad=None):
    """An Array over ``data`` whose block ``bad`` raises while ``state["crash"]``."""
    state = {"crash": bad is not None, "calls": []}
    lock = threading.Lock()

    def block(b, block_id=None):
        with lock:
            state["calls"].append(block_id)
        if state["crash"] and block_id == bad:
            raise RuntimeError("simulated crash")
        return b

    return map_blocks(block, from_array(data, chunks=chunks), dtype=data.dtype), state


A = np.arange(24, dtype="f8").reshape(4, 6)
B = np.arange(10, dtype="i4")


# -- round trips --

def test_two_arrays_in_one_group(tmp_path):
    path = tmp_path / "store.zarr"
    pa = persist_array_to_store(from_array(A, chunks=(2, 3)), path, "a")
    pb = persist_array_to_store(from_array(B, chunks=4), str(path), "nested/b")
    assert isinstance(pa, Array) and isinstance(pb, Array)
    assert_eq(pa, A)
    assert_eq(pb, B)
    group = zarr.open_group(path, mode="r")
    assert sorted(name for name, _ in group.members(max_depth=None)) == ["a", "nested",
                                                                       "nested/b"]
    assert_eq(from_zarr(path, component="a"), A)
    assert_eq(from_zarr(path, component="nested/b"), B)
    assert [p.name for p in path.rglob(".*")] == []


def test_persisted_arrays_are_uncompressed_and_read_directly(tmp_path):
    path = tmp_path / "store.zarr"
    persist_array_to_store(from_array(A, chunks=(2, 3)), path, "a")
    z = zarr.open_array(path / "a", mode="r")
    assert not z.compressors
    assert ZarrReader(z).is_direct
    assert (path / "a" / "c" / "1" / "1").stat().st_size == 2 * 3 * 8  # raw bytes


def test_persist_keeps_the_chunks_of_x(tmp_path):
    x = from_array(B, chunks=((3, 4, 3),))
    p = persist_array_to_store(x, tmp_path / "s.zarr", "b")
    assert p.chunks == x.chunks
    assert_eq(p, B)
    assert_eq(from_zarr(tmp_path / "s.zarr", component="b"), B, check_chunks=False)


def test_persist_several_arrays_computes_shared_work_once(tmp_path):
    x, state = counted(A, (2, 3))
    out = persist_arrays_to_store({"x": x, "y": x * 2}, tmp_path / "s.zarr")
    assert sorted(state["calls"]) == sorted(np.ndindex(2, 2))
    assert_eq(out["x"], A)
    assert_eq(out["y"], A * 2)


def test_persist_into_empty_directory(tmp_path):
    persist_array_to_store(from_array(B, chunks=5), tmp_path, "b")
    assert_eq(from_zarr(tmp_path, component="b"), B)


def test_hook_on_array(tmp_path):
    x = from_array(B, chunks=5)
    p = x.__chunkarray_store__(tmp_path / "s.zarr", "b", False, False)
    assert_eq(p, B)
    again = x.__chunkarray_store__(tmp_path / "s.zarr", "b", True, False)
    assert_eq(again, B)


# -- what is already there --

def test_plain_file_raises_and_is_untouched(tmp_path):
    path = tmp_path / "store.zarr"
    path.write_bytes(b"precious bytes")
    with pytest.raises(FileExistsError, match="a file, not a Zarr group"):
        persist_array_to_store(from_array(B, chunks=5), path, "b")
    with pytest.raises(FileExistsError):
        persist_array_to_store(from_array(B, chunks=5), path, "b", resume=True)
    assert path.read_bytes() == b"precious bytes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store.zarr"]


def test_zarr_array_at_store_path_raises_and_is_untouched(tmp_path):
    path = tmp_path / "store.zarr"
    io.to_zarr(from_array(A, chunks=2), path)
    before = snapshot(path)
    with pytest.raises(FileExistsError, match="a Zarr array, not a Zarr group"):
        persist_array_to_store(from_array(B, chunks=5), path, "b")
    assert snapshot(path) == before


def test_other_directory_raises_and_is_untouched(tmp_path):
    path = tmp_path / "store"
    path.mkdir()
    (path / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="a directory"):
        persist_array_to_store(from_array(B, chunks=5), path, "b")
    assert snapshot(path) == {"notes.txt": b"mine"}


@pytest.mark.parametrize("resume", [False, True])
def test_component_with_other_shape_or_dtype_raises(tmp_path, resume):
    path = tmp_path / "store.zarr"
    persist_array_to_store(from_array(A, chunks=(2, 3)), path, "a")
    persist_array_to_store(from_array(B, chunks=5), path, "b")
    before = snapshot(path)
    with pytest.raises(ValueError, match=r"shape \(4, 6\) where the source has \(10,\)"):
        persist_array_to_store(from_array(B, chunks=5), path, "a", resume=resume)
    with pytest.raises(ValueError, match="dtype float64 where the source has int32"):
        persist_array_to_store(from_array(A.astype("i4"), chunks=(2, 3)), path, "a",
                               resume=resume)
    # Checked before anything is written: "new" is not made when "a" fails.
    with pytest.raises(ValueError):
        persist_arrays_to_store({"new": from_array(B, chunks=5),
                                 "a": from_array(B, chunks=5)}, path, resume=resume)
    assert snapshot(path) == before


def test_component_with_same_layout_needs_resume_or_overwrite(tmp_path):
    path = tmp_path / "store.zarr"
    persist_array_to_store(from_array(B, chunks=5), path, "b")
    before = snapshot(path)
    with pytest.raises(FileExistsError, match="resume=True .* overwrite=True"):
        persist_array_to_store(from_array(B + 1, chunks=5), path, "b")
    assert snapshot(path) == before
    # Other chunks: a ValueError with resume (the markers would not match).
    with pytest.raises(ValueError, match="chunks"):
        persist_array_to_store(from_array(B, chunks=2), path, "b", resume=True)
    assert snapshot(path) == before


def test_overwrite_replaces_plain_file(tmp_path):
    path = tmp_path / "store.zarr"
    path.write_bytes(b"old")
    p = persist_array_to_store(from_array(B, chunks=5), path, "b", overwrite=True)
    assert path.is_dir()
    assert_eq(p, B)
    assert_eq(from_zarr(path, component="b"), B)
    assert sorted(q.name for q in tmp_path.iterdir()) == ["store.zarr"]


def test_overwrite_replaces_component_and_keeps_the_others(tmp_path):
    path = tmp_path / "store.zarr"
    persist_array_to_store(from_array(A, chunks=(2, 3)), path, "a")
    persist_array_to_store(from_array(B, chunks=5), path, "b")
    a_files = {k: v for k, v in snapshot(path).items() if k.startswith("a/")}
    p = persist_array_to_store(from_array(B * 3, chunks=2), path, "b", overwrite=True)
    assert_eq(p, B * 3)
    assert_eq(from_zarr(path, component="b"), B * 3)
    assert {k: v for k, v in snapshot(path).items() if k.startswith("a/")} == a_files
    assert [q.name for q in path.rglob(".*")] == []


def test_failed_overwrite_leaves_the_old_store(tmp_path):
    path = tmp_path / "store.zarr"
    path.write_bytes(b"old")
    x, _ = counted(B, 5, bad=(1,))
    with pytest.raises(RuntimeError):
        persist_array_to_store(x, path, "b", overwrite=True)
    assert path.read_bytes() == b"old"
    assert sorted(q.name for q in tmp_path.iterdir()) == ["store.zarr"]

    group = tmp_path / "g.zarr"
    persist_array_to_store(from_array(A, chunks=(2, 3)), group, "a")
    persist_array_to_store(from_array(B, chunks=5), group, "b")
    before = snapshot(group)
    with pytest.raises(RuntimeError):
        persist_array_to_store(x, group, "b", overwrite=True)
    assert snapshot(group) == before
    assert [q.name for q in group.rglob(".*")] == []


def test_failed_persist_to_new_store_leaves_nothing(tmp_path):
    x, _ = counted(B, 5, bad=(1,))
    with pytest.raises(RuntimeError):
        persist_array_to_store(x, tmp_path / "new.zarr", "b")
    assert list(tmp_path.iterdir()) == []


# -- resume --

def test_resume_after_crash_writes_only_missing_chunks(tmp_path, monkeypatch):
    written = []
    original = io.write_block_marked

    def counting(target, region, block, progress, chunk_shape):
        original(target, region, block, progress, chunk_shape)
        written.append(tuple(s.start // c for s, c in zip(region, chunk_shape)))

    monkeypatch.setattr(io, "write_block_marked", counting)
    path = tmp_path / "store.zarr"
    persist_array_to_store(from_array(B, chunks=5), path, "other")
    x, state = counted(A, (2, 3), bad=(1, 0))
    with pytest.raises(RuntimeError):
        persist_array_to_store(x, path, "a", resume=True)
    assert has_unfinished_write(path, "a")
    assert (path / "a" / PROGRESS_DIR).is_dir()
    first = set(written)
    written.clear()
    state["crash"] = False
    p = persist_array_to_store(x, path, "a", resume=True)
    assert set(written) == set(np.ndindex(2, 2)) - first
    assert len(written) == 4 - len(first)
    assert_eq(p, A)
    assert not has_unfinished_write(path, "a")
    written.clear()
    assert_eq(persist_array_to_store(x, path, "a", resume=True), A)  # complete: no writes
    assert written == []
    assert_eq(from_zarr(path, component="other"), B)


def test_resume_after_crash_before_array_metadata(tmp_path, monkeypatch):
    path = tmp_path / "store.zarr"

    def no_create(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(zarr.Group, "create_array", no_create)
    with pytest.raises(OSError, match="disk full"):
        persist_array_to_store(from_array(B, chunks=5), path, "b", resume=True)
    monkeypatch.undo()
    assert [p.name for p in (path / "b").iterdir()] == [PROGRESS_DIR]
    with pytest.raises(FileExistsError):  # without resume it is not taken over
        persist_array_to_store(from_array(B, chunks=5), path, "b")
    assert_eq(persist_array_to_store(from_array(B, chunks=5), path, "b", resume=True), B)
    assert not has_unfinished_write(path, "b")


# -- bad input --

def test_bad_arguments(tmp_path):
    x = from_array(B, chunks=5)
    with pytest.raises(ValueError, match="exclude each other"):
        persist_array_to_store(x, tmp_path / "s.zarr", "b", resume=True, overwrite=True)
    with pytest.raises(TypeError, match="store= must be a local path"):
        persist_array_to_store(x, zarr.storage.MemoryStore(), "b")
    with pytest.raises(ValueError, match="store= must be a local path"):
        persist_array_to_store(x, "s3://bucket/s.zarr", "b")
    with pytest.raises(TypeError, match="component must be a str"):
        persist_array_to_store(x, tmp_path / "s.zarr", 3)
    for bad in ["", "a//b", ".hidden", "a/../b"]:
        with pytest.raises(ValueError, match="component"):
            persist_array_to_store(x, tmp_path / "s.zarr", bad)
    with pytest.raises(ValueError, match="twice"):
        persist_arrays_to_store({"b": x, "/b": x}, tmp_path / "s.zarr")
    with pytest.raises(ValueError, match="lies inside"):
        persist_arrays_to_store({"b": x, "b/c": x}, tmp_path / "s.zarr")
    assert list(tmp_path.iterdir()) == []
