"""Writing raw chunk files straight to uncompressed local Zarr v3 arrays."""

from __future__ import annotations

import numpy as np
import pytest
import zarr
from hypothesis import given, settings
from hypothesis import strategies as st

import chunkarray.array as caa
from chunkarray.storage.zarr import ChunkLayout


@settings(max_examples=25, deadline=None)
@given(rows=st.integers(1, 23), cols=st.integers(1, 9), cr=st.integers(1, 7),
       cc=st.integers(1, 5), dtype=st.sampled_from(["f8", "i4", "u1", "bool", "c8"]))
def test_direct_writes_read_back_equal_through_zarr(tmp_path_factory, rows, cols, cr, cc, dtype):
    path = tmp_path_factory.mktemp("w") / "a.zarr"
    data = (np.arange(rows * cols).reshape(rows, cols) % 7).astype(dtype)
    caa.from_array(data, chunks=(cr, cc)).to_zarr(str(path), compressors=None)
    z = zarr.open_array(str(path), mode="r")
    layout = ChunkLayout.of(z)
    assert layout is not None and layout.is_raw
    np.testing.assert_array_equal(z[...], data)


def test_the_fast_path_writes_the_chunk_files(tmp_path, monkeypatch):
    calls = []
    original = ChunkLayout.write_chunk

    def counting(self, region, block):
        done = original(self, region, block)
        calls.append(done)
        return done

    monkeypatch.setattr(ChunkLayout, "write_chunk", counting)
    data = np.arange(30.0).reshape(5, 6)
    caa.from_array(data, chunks=(2, 4)).to_zarr(str(tmp_path / "a.zarr"), compressors=None)
    assert calls and all(calls) and len(calls) == 6
    np.testing.assert_array_equal(zarr.open_array(str(tmp_path / "a.zarr"))[...], data)


def test_big_endian_target(tmp_path):
    path = tmp_path / "be.zarr"
    z = zarr.create_array(str(path), shape=(5, 3), chunks=(2, 2), dtype="f8", compressors=None,
                          serializer=zarr.codecs.BytesCodec(endian="big"))
    data = np.arange(15.0).reshape(5, 3)
    caa.from_array(data, chunks=(2, 2)).store(z)
    np.testing.assert_array_equal(zarr.open_array(str(path))[...], data)


@pytest.mark.parametrize("compressors", ["auto"])
def test_compressed_targets_go_through_zarr(tmp_path, compressors):
    data = np.arange(12.0).reshape(3, 4)
    caa.from_array(data, chunks=2).to_zarr(str(tmp_path / "c.zarr"), compressors=compressors)
    z = zarr.open_array(str(tmp_path / "c.zarr"))
    assert not ChunkLayout.of(z).is_raw
    np.testing.assert_array_equal(z[...], data)
