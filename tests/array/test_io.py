"""Tests for chunkarray.array.io and the readers of chunkarray.storage."""

from __future__ import annotations

import os
from pathlib import Path

import h5py
import numpy as np
import pytest
import zarr
import zarr.codecs as zc
from hypothesis import given, settings
from hypothesis import strategies as st

from chunkarray import config
from chunkarray.array.blockwise import map_blocks
from chunkarray.array.creation import arange, from_array, ones
from chunkarray.array.io import (
    aligned,
    from_npy,
    from_zarr,
    store,
    target_chunk_shape,
    to_hdf5,
    to_npy,
    to_zarr,
)
from chunkarray.delayed import Delayed
from chunkarray.storage.hdf5 import Hdf5Reader
from chunkarray.storage.npy import RawFileArray
from chunkarray.storage.zarr import ZarrReader
from chunkarray.testing.assert_eq import assert_eq

DTYPES = ["bool", "int8", "uint16", "int32", "int64", "float32", "float64", "complex64"]


def sample(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    values = rng.normal(size=shape) * 50
    if np.dtype(dtype).kind == "c":
        values = values + 1j * rng.normal(size=shape)
    return values.astype(dtype)


def snapshot(path: Path) -> dict[str, bytes]:
    """Every file under ``path`` (or the file itself) with its bytes."""
    if path.is_file():
        return {"": path.read_bytes()}
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*"))
            if p.is_file()}


def hidden(directory: Path) -> list[str]:
    """Temporary siblings left behind (hidden names), anywhere below ``directory``."""
    return [str(p) for p in directory.rglob(".*")]


def failing(x, bad_block=1):
    def fail(block, block_id=None):
        if block_id[0] == bad_block:
            raise RuntimeError("boom")
        return block

    return map_blocks(fail, x, dtype=x.dtype)


# -- Zarr round trips --

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("compressors", [None, "auto"])
def test_zarr_round_trip(tmp_path, dtype, compressors):
    data = sample((7, 5), dtype)
    path = tmp_path / "x.zarr"
    to_zarr(from_array(data, chunks=(3, 2)), path, compressors=compressors)
    z = zarr.open_array(path, mode="r")
    assert z.chunks == (3, 2) and z.dtype == data.dtype
    np.testing.assert_array_equal(z[:], data)
    x = from_zarr(path)
    assert x.chunks == ((3, 3, 1), (2, 2, 1))
    assert_eq(x, data)
    assert hidden(tmp_path) == []


@pytest.mark.parametrize("shape,chunks", [((), ()), ((0,), 3), ((4, 0), 2), ((1,), 1)])
def test_zarr_round_trip_edge_shapes(tmp_path, shape, chunks):
    data = sample(shape, "float64")
    path = tmp_path / "e.zarr"
    to_zarr(from_array(data, chunks=chunks), path)
    assert_eq(from_zarr(path), data)


def test_zarr_chunks_follow_a_regular_source(tmp_path):
    to_zarr(from_array(np.arange(10), chunks=4), tmp_path / "a.zarr")
    assert zarr.open_array(tmp_path / "a.zarr", mode="r").chunks == (4,)


def test_zarr_group_components(tmp_path):
    path = tmp_path / "g.zarr"
    a, b = np.arange(12).reshape(3, 4), np.linspace(0, 1, 9)
    to_zarr(from_array(a, chunks=2), path, component="inner/a")  # new group
    to_zarr(from_array(b, chunks=4), path, component="b")  # into the existing group
    assert_eq(from_zarr(path, component="inner/a"), a)
    assert_eq(from_zarr(path, component="b"), b)
    group = zarr.open_group(path, mode="r")
    assert sorted(group.array_keys()) == ["b"]
    assert sorted(group["inner"].array_keys()) == ["a"]
    assert_eq(from_zarr(group, component="b"), b)
    assert hidden(tmp_path) == []


def test_existing_component_is_refused_and_untouched(tmp_path):
    path = tmp_path / "g.zarr"
    to_zarr(from_array(np.arange(6), chunks=2), path, component="a")
    to_zarr(from_array(np.ones(3), chunks=2), path, component="b")
    before = snapshot(path)
    with pytest.raises(FileExistsError, match="'a'"):
        to_zarr(from_array(np.zeros(6), chunks=3), path, component="a")
    assert snapshot(path) == before
    to_zarr(from_array(np.zeros(6), chunks=3), path, component="a", overwrite=True)
    assert_eq(from_zarr(path, component="a"), np.zeros(6))
    assert_eq(from_zarr(path, component="b"), np.ones(3))
    assert hidden(tmp_path) == []


def test_existing_target_is_refused_and_untouched(tmp_path):
    path = tmp_path / "x.zarr"
    to_zarr(from_array(np.arange(10), chunks=3), path)
    before = snapshot(path)
    with pytest.raises(FileExistsError, match="x.zarr"):
        to_zarr(from_array(np.zeros(4), chunks=2), path)
    assert snapshot(path) == before
    other = tmp_path / "file.txt"
    other.write_text("keep me")
    with pytest.raises(FileExistsError):
        to_zarr(from_array(np.zeros(4), chunks=2), other)
    assert other.read_text() == "keep me"


def test_overwrite_replaces(tmp_path):
    path = tmp_path / "x.zarr"
    to_zarr(from_array(np.arange(10), chunks=3), path)
    to_zarr(from_array(np.zeros((2, 2)), chunks=1), path, overwrite=True)
    assert_eq(from_zarr(path), np.zeros((2, 2)))
    assert hidden(tmp_path) == []


def test_failed_overwrite_keeps_earlier_data(tmp_path):
    path = tmp_path / "x.zarr"
    to_zarr(from_array(np.arange(10), chunks=3), path)
    before = snapshot(path)
    with pytest.raises(RuntimeError, match="boom"):
        to_zarr(failing(from_array(np.zeros(10), chunks=3)), path, overwrite=True)
    assert snapshot(path) == before
    assert hidden(tmp_path) == []


def test_failed_new_write_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError, match="boom"):
        to_zarr(failing(from_array(np.zeros(10), chunks=3)), tmp_path / "new.zarr")
    assert list(tmp_path.iterdir()) == []
    group = tmp_path / "g.zarr"
    to_zarr(from_array(np.ones(3), chunks=2), group, component="keep")
    before = snapshot(group)
    with pytest.raises(RuntimeError, match="boom"):
        to_zarr(failing(from_array(np.zeros(10), chunks=3)), group, component="new")
    assert snapshot(group) == before
    assert hidden(tmp_path) == []


def test_to_zarr_lazy(tmp_path):
    path = tmp_path / "lazy.zarr"
    result = to_zarr(from_array(np.arange(6), chunks=2), path, compute=False)
    assert isinstance(result, Delayed)
    assert not path.exists()
    assert result.compute() is None
    assert_eq(from_zarr(path), np.arange(6))


def test_to_zarr_memory_store_and_array_targets():
    store_ = zarr.storage.MemoryStore()
    to_zarr(from_array(np.arange(8), chunks=4), store_)
    x = from_zarr(store_)
    assert not x.graph.layers[x.name].inputs[0][0].is_direct
    assert_eq(x, np.arange(8))
    with pytest.raises(FileExistsError):
        to_zarr(from_array(np.zeros(8), chunks=4), store_)
    assert_eq(from_zarr(store_), np.arange(8))
    to_zarr(from_array(np.zeros(8), chunks=4), store_, overwrite=True)
    assert_eq(from_zarr(store_), np.zeros(8))
    target = zarr.create_array(zarr.storage.MemoryStore(), shape=(8,), chunks=(4,), dtype="i8")
    to_zarr(from_array(np.arange(8), chunks=4), target)
    np.testing.assert_array_equal(target[:], np.arange(8))


def test_to_zarr_v2_and_kwargs(tmp_path):
    path = tmp_path / "v2.zarr"
    to_zarr(from_array(np.arange(10.0), chunks=5), path, zarr_format=2,
            attributes={"units": "m"})
    z = zarr.open_array(path, mode="r")
    assert z.metadata.zarr_format == 2 and z.attrs["units"] == "m"
    assert_eq(from_zarr(path), np.arange(10.0))


def test_from_zarr_missing_paths(tmp_path):
    missing = tmp_path / "missing.zarr"
    with pytest.raises(FileNotFoundError, match="missing.zarr"):
        from_zarr(missing)
    path = tmp_path / "g.zarr"
    to_zarr(from_array(np.arange(3), chunks=2), path, component="a")
    with pytest.raises(FileNotFoundError, match="nope"):
        from_zarr(path, component="nope")
    with pytest.raises(ValueError, match="group.*component"):
        from_zarr(path)


def test_from_zarr_names_do_not_read(tmp_path, monkeypatch):
    path = tmp_path / "x.zarr"
    to_zarr(from_array(np.arange(100), chunks=10), path)

    def refuse(*args, **kwargs):
        raise AssertionError("read while building the graph")

    monkeypatch.setattr(zarr.Array, "__getitem__", refuse)
    monkeypatch.setattr(ZarrReader, "__getitem__", refuse)
    a, b = from_zarr(path), from_array(zarr.open_array(path, mode="r"), chunks=10)
    assert a.name == b.name == from_zarr(str(path)).name
    assert from_zarr(path, chunks=20).name != a.name


def test_from_zarr_auto_chunks_are_multiples(tmp_path):
    path = tmp_path / "x.zarr"
    z = zarr.create_array(path, shape=(100, 90), chunks=(7, 9), dtype="f8")
    z[:] = sample((100, 90), "f8")
    with config.set(chunk_size="8KiB"):
        x = from_zarr(path, chunks="auto")
    for sizes, c in zip(x.chunks, (7, 9)):
        assert all(s % c == 0 for s in sizes[:-1])
    assert_eq(x, z[:])


# -- direct Zarr chunk reads --

def _make(path, data, chunks, fill_value=None, **kwargs):
    kwargs.setdefault("compressors", None)
    z = zarr.create_array(path, shape=data.shape, chunks=chunks, dtype=data.dtype,
                          fill_value=fill_value, **kwargs)
    return z


def _fill_some(z, data):
    """Write only some chunks, so that others are missing (the fill value)."""
    if data.ndim == 0:
        z[()] = data
        return
    half = tuple(slice(0, max(n // 2, 1)) for n in data.shape)
    z[half] = data[half]


def _check_direct(path, expected_direct=True):
    z = zarr.open_array(path, mode="r")
    reader = ZarrReader(z)
    assert reader.is_direct == expected_direct
    expected = z[...]
    for chunks in (None, 1, 4, "auto", -1):
        x = from_zarr(path, chunks=chunks)
        result = x.compute()
        assert result.dtype == expected.dtype
        np.testing.assert_array_equal(result, expected, strict=True)
    return reader, z


@pytest.mark.parametrize("dtype", DTYPES + ["uint64", "float16", "complex128"])
def test_direct_read_equals_zarr(tmp_path, dtype):
    data = sample((11, 7), dtype)
    z = _make(tmp_path / "a.zarr", data, (4, 3), fill_value=1)
    _fill_some(z, data)
    _check_direct(tmp_path / "a.zarr")


@pytest.mark.parametrize("codecs", [
    {"compressors": zc.ZstdCodec(level=3)},
    {"compressors": zc.GzipCodec()},
    {"compressors": zc.BloscCodec(cname="lz4", shuffle="bitshuffle")},
    {"compressors": [zc.ZstdCodec(), zc.Crc32cCodec()]},
    {"compressors": zc.Crc32cCodec()},
    {"filters": [zc.TransposeCodec(order=(1, 2, 0))]},
    {"serializer": zc.BytesCodec(endian="big")},
    {"serializer": zc.BytesCodec(endian="big"), "compressors": zc.ZstdCodec(),
     "filters": [zc.TransposeCodec(order=(2, 0, 1))]},
    {"chunk_key_encoding": {"name": "default", "separator": "."}},
    {"chunk_key_encoding": {"name": "v2", "separator": "/"}},
    {"chunk_key_encoding": {"name": "v2", "separator": "."}},
])
def test_direct_read_codecs_and_layouts(tmp_path, codecs):
    data = sample((9, 5, 6), "int32")
    z = _make(tmp_path / "a.zarr", data, (4, 2, 5), fill_value=-3, **codecs)
    _fill_some(z, data)
    _check_direct(tmp_path / "a.zarr")


def test_direct_read_nan_fill_and_zero_dim(tmp_path):
    data = sample((5, 5), "float64")
    z = _make(tmp_path / "nan.zarr", data, (2, 2), fill_value=np.nan)
    _fill_some(z, data)
    _reader, z = _check_direct(tmp_path / "nan.zarr")
    assert np.isnan(from_zarr(tmp_path / "nan.zarr").compute()[4, 4])
    z0 = _make(tmp_path / "0.zarr", np.array(2.5), ())
    z0[()] = 2.5
    _check_direct(tmp_path / "0.zarr")
    _make(tmp_path / "empty.zarr", np.zeros((0, 3)), (2, 2))
    _check_direct(tmp_path / "empty.zarr")


def test_direct_read_datetimes(tmp_path):
    data = (np.arange(10) * 86400).astype("M8[s]")
    z = _make(tmp_path / "dt.zarr", data, (4,))
    z[:6] = data[:6]  # the rest is the NaT fill value
    _check_direct(tmp_path / "dt.zarr")


def test_unsupported_layouts_fall_back_to_zarr(tmp_path):
    data = sample((12, 6), "float64")
    z = _make(tmp_path / "sh.zarr", data, (2, 3), shards=(4, 6))
    z[:] = data
    reader, _ = _check_direct(tmp_path / "sh.zarr", expected_direct=False)
    assert reader.chunks == (4, 6)
    z2 = zarr.create_array(tmp_path / "v2.zarr", shape=(12, 6), chunks=(5, 5), dtype="f8",
                           zarr_format=2)
    z2[:] = data
    _check_direct(tmp_path / "v2.zarr", expected_direct=False)
    z3 = zarr.create_array(tmp_path / "s.zarr", shape=(3,), chunks=(2,), dtype=str)
    z3[:] = ["a", "bb", "ccc"]
    assert not ZarrReader(zarr.open_array(tmp_path / "s.zarr", mode="r")).is_direct


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_direct_read_any_region(data):
    arrays = _region_fixture()
    name = data.draw(st.sampled_from(sorted(arrays)))
    reader, z = arrays[name]
    region = tuple(
        slice(a, b) for a, b in (sorted(data.draw(st.tuples(st.integers(0, n), st.integers(0, n))))
                                 for n in z.shape))
    expected = z[region]
    result = reader[region]
    assert result.flags.writeable
    np.testing.assert_array_equal(result, expected, strict=True)


_REGION_ARRAYS: dict = {}


def _region_fixture():
    if not _REGION_ARRAYS:
        import tempfile

        root = Path(tempfile.mkdtemp())
        data = sample((13, 10), "float32")
        for name, codecs in {"raw": {}, "zstd": {"compressors": zc.ZstdCodec()},
                             "transposed": {"filters": [zc.TransposeCodec(order=(1, 0))]}}.items():
            z = _make(root / f"{name}.zarr", data, (4, 3), fill_value=7, **codecs)
            _fill_some(z, data)
            z = zarr.open_array(root / f"{name}.zarr", mode="r")
            reader = ZarrReader(z)
            assert reader.is_direct
            _REGION_ARRAYS[name] = (reader, z)
    return _REGION_ARRAYS


# -- store --

def test_store_into_numpy_memmap_and_several_targets(tmp_path):
    mm = np.lib.format.open_memmap(tmp_path / "m.npy", mode="w+", dtype="f8", shape=(6, 4))
    out = np.zeros(5, dtype="int64")
    assert store([ones((6, 4), chunks=(4, 3)), arange(5, chunks=2)], [mm, out]) is None
    mm.flush()
    np.testing.assert_array_equal(np.load(tmp_path / "m.npy"), np.ones((6, 4)))
    np.testing.assert_array_equal(out, np.arange(5))


def test_store_lazy_and_locked():
    out = np.zeros(6)
    result = store(arange(6.0, chunks=2), out, compute=False, lock=True)
    assert isinstance(result, Delayed) and not out.any()
    result.compute()
    np.testing.assert_array_equal(out, np.arange(6.0))


def test_store_errors():
    with pytest.raises(ValueError, match=r"\(6,\).*\(5,\)"):
        store(arange(6, chunks=2), np.zeros(5))
    with pytest.raises(ValueError, match="2 sources but 1 targets"):
        store([arange(6), arange(6)], [np.zeros(6)])
    with pytest.raises(TypeError, match="lock"):
        store(arange(6), np.zeros(6), lock="yes")


def test_store_into_zarr_is_chunk_aligned(tmp_path):
    target = zarr.create_array(tmp_path / "t.zarr", shape=(12,), chunks=(4,), dtype="i8")
    assert target_chunk_shape(target) == (4,)
    x = from_array(np.arange(12), chunks=8)
    assert aligned(x, (4,)) is x
    store(x, target)
    np.testing.assert_array_equal(target[:], np.arange(12))
    sharded = zarr.create_array(tmp_path / "s.zarr", shape=(12,), chunks=(2,), shards=(6,),
                                dtype="i8")
    assert target_chunk_shape(sharded) == (6,)


def test_store_rechunks_misaligned_sources(tmp_path):
    pytest.importorskip("chunkarray.array.rechunk")
    x = from_array(np.arange(20), chunks=((3, 7, 10),))
    y = aligned(x, (4,))
    assert all(b % 4 == 0 for b in np.cumsum(y.chunks[0][:-1]))
    target = zarr.create_array(tmp_path / "t.zarr", shape=(20,), chunks=(4,), dtype="i8")
    store(x, target)
    np.testing.assert_array_equal(target[:], np.arange(20))


# -- HDF5 --

@pytest.mark.parametrize("dtype", DTYPES)
def test_hdf5_round_trip(tmp_path, dtype):
    data = sample((7, 5), dtype)
    path = tmp_path / "x.h5"
    to_hdf5(from_array(data, chunks=(3, 2)), path, "group/x")
    with h5py.File(path, "r") as f:
        np.testing.assert_array_equal(f["group/x"][:], data)
        reader = Hdf5Reader(f["group/x"])
        assert reader.is_direct
        assert_eq(from_array(f["group/x"], chunks=(3, 2)), data)
    assert hidden(tmp_path) == []


def test_hdf5_existing_file_and_datasets(tmp_path):
    path = tmp_path / "x.h5"
    to_hdf5(from_array(np.arange(6), chunks=2), path, "a")
    to_hdf5(from_array(np.ones(4), chunks=2), path, "b", compression="gzip")
    with h5py.File(path, "r") as f:
        assert sorted(f) == ["a", "b"] and f["b"].compression == "gzip"
        assert not Hdf5Reader(f["b"]).is_direct
        assert_eq(from_array(f["b"]), np.ones(4))
    with pytest.raises(FileExistsError, match="'/a'"):
        to_hdf5(from_array(np.zeros(6), chunks=2), path, "a")
    with pytest.raises(RuntimeError, match="boom"):
        to_hdf5(failing(from_array(np.zeros(6), chunks=2)), path, "a", overwrite=True)
    to_hdf5(from_array(np.zeros(3), chunks=2), path, "b", overwrite=True)
    with h5py.File(path, "r") as f:
        assert sorted(f) == ["a", "b"]
        np.testing.assert_array_equal(f["a"][:], np.arange(6))
        np.testing.assert_array_equal(f["b"][:], np.zeros(3))


def test_hdf5_failed_new_file_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError, match="boom"):
        to_hdf5(failing(from_array(np.zeros(6), chunks=2)), tmp_path / "x.h5", "a")
    assert list(tmp_path.iterdir()) == []


def test_hdf5_direct_reads_and_fallbacks(tmp_path):
    path = tmp_path / "d.h5"
    big_endian = sample((6, 5), ">f8")
    with h5py.File(path, "w") as f:
        f.create_dataset("be", data=big_endian)
        f.create_dataset("chunked", data=np.arange(30).reshape(6, 5), chunks=(2, 5))
        f.create_dataset("unallocated", shape=(4,), dtype="i4", fillvalue=9)
        f.create_dataset("scalar", data=np.float32(1.5))
        writable = Hdf5Reader(f["be"])
        assert not writable.is_direct  # a writable file may hold unflushed data
    with h5py.File(path, "r") as f:
        cases = {"be": True, "chunked": False, "unallocated": False, "scalar": True}
        for name, direct in cases.items():
            reader = Hdf5Reader(f[name])
            assert reader.is_direct == direct, name
            expected = f[name][()]
            expected = np.asarray(expected, dtype=expected.dtype.newbyteorder("="))
            x = from_array(f[name], chunks=2 if expected.ndim else ())
            np.testing.assert_array_equal(x.compute(), expected, strict=True)
        reader = Hdf5Reader(f["be"])
        np.testing.assert_array_equal(reader[1:4, 2:3], big_endian[1:4, 2:3])
        assert from_array(f["chunked"]).name == from_array(f["chunked"]).name


def test_hdf5_reader_survives_a_closed_file(tmp_path):
    path = tmp_path / "c.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("x", data=np.arange(10), chunks=(5,))
    with h5py.File(path, "r") as f:
        x = from_array(f["x"], chunks=5)
    np.testing.assert_array_equal(x.compute(), np.arange(10))


# -- .npy --

@pytest.mark.parametrize("dtype", DTYPES + [">i4", "<M8[s]"])
def test_npy_round_trip(tmp_path, dtype):
    data = sample((9, 4), "int64").astype(dtype) if "M" in dtype else sample((9, 4), dtype)
    path = tmp_path / "x.npy"
    to_npy(from_array(data, chunks=(4, 3)), path)
    native = data.astype(data.dtype.newbyteorder("="))
    loaded = np.load(path)
    np.testing.assert_array_equal(loaded, native, strict=True)
    x = from_npy(path, chunks=(2, 3))
    assert x.dtype == native.dtype
    np.testing.assert_array_equal(x.compute(), native, strict=True)
    np.save(path, data)  # a file in the non-native order reads as native values
    np.testing.assert_array_equal(from_npy(path, chunks=(2, 3)).compute(), native, strict=True)
    assert hidden(tmp_path) == []


@pytest.mark.parametrize("data", [np.array(3.5), np.zeros((0, 3)), np.zeros((3, 0), "i2")])
def test_npy_edge_shapes(tmp_path, data):
    path = tmp_path / "e.npy"
    to_npy(from_array(data), path)
    np.testing.assert_array_equal(np.load(path), data)
    assert_eq(from_npy(path), data)


def test_npy_fortran_order_file(tmp_path):
    data = np.asfortranarray(sample((7, 6, 3), "float32"))
    path = tmp_path / "f.npy"
    np.save(path, data)
    assert_eq(from_npy(path, chunks=(3, 4, 2)), data)


def test_npy_replaces_atomically(tmp_path):
    path = tmp_path / "x.npy"
    np.save(path, np.arange(3))
    with pytest.raises(RuntimeError, match="boom"):
        to_npy(failing(from_array(np.zeros(6), chunks=2)), path)
    np.testing.assert_array_equal(np.load(path), np.arange(3))
    assert hidden(tmp_path) == []
    to_npy(from_array(np.zeros(6), chunks=2), path)
    np.testing.assert_array_equal(np.load(path), np.zeros(6))


def test_npy_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.npy"):
        from_npy(tmp_path / "missing.npy")
    np.save(tmp_path / "o.npy", np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="object"):
        from_npy(tmp_path / "o.npy")


def test_npy_names_follow_the_file(tmp_path):
    path = tmp_path / "x.npy"
    np.save(path, np.arange(4))
    assert from_npy(path).name == from_npy(str(path)).name
    old = from_npy(path).name
    np.save(path, np.arange(5))
    os.utime(path, ns=(1, 1))
    assert from_npy(path).name != old


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_raw_file_regions(data):
    fixture = _raw_fixture()
    order = data.draw(st.sampled_from(["C", "F"]))
    path, array = fixture[order]
    raw = RawFileArray(path, 128, array.shape, array.dtype, order)
    region = tuple(
        slice(a, b) for a, b in (sorted(data.draw(st.tuples(st.integers(0, n), st.integers(0, n))))
                                 for n in array.shape))
    np.testing.assert_array_equal(raw[region], array[region])
    index = (data.draw(st.integers(0, array.shape[0] - 1)), slice(None, None, 2))
    np.testing.assert_array_equal(raw[index], array[index])


_RAW: dict = {}


def _raw_fixture():
    if not _RAW:
        import tempfile

        root = Path(tempfile.mkdtemp())
        array = sample((5, 4, 6), "int16")
        for order in "CF":
            path = str(root / f"{order}.bin")
            with open(path, "wb") as f:
                f.write(b"\0" * 128)
                f.write(array.tobytes(order=order))
            _RAW[order] = (path, array)
    return _RAW


def test_only_needed_npy_chunks_are_read(tmp_path, monkeypatch):
    path = tmp_path / "x.npy"
    np.save(path, np.arange(100).reshape(10, 10))
    x = from_npy(path, chunks=(2, 10))
    calls = []
    original = RawFileArray.__getitem__

    def counting(self, index):
        calls.append(index)
        return original(self, index)

    monkeypatch.setattr(RawFileArray, "__getitem__", counting)
    block = Delayed((x.name, 3, 0), x.graph).compute()
    np.testing.assert_array_equal(block, np.arange(60, 80).reshape(2, 10))
    assert calls == [(slice(6, 8), slice(0, 10))]
