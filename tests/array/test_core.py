"""Tests for chunkarray.array.core: the Array's metadata, repr, protocols and laziness.

Metadata is compared with NumPy's on random shapes (0-4 axes, zero-length ones too),
chunkings and dtypes; laziness is shown with a source that counts its reads.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chunkarray as ca
import chunkarray.array as caa
from chunkarray.array.chunks import slices_of
from chunkarray.array.core import Array
from chunkarray.base import prepare
from chunkarray.delayed import Delayed
from chunkarray.testing import assert_eq
from chunkarray.testing.strategies import arrays_and_chunks

SETTINGS = settings(max_examples=40, deadline=None)


class CountingSource:
    """An array-like that records every read (``shape``, ``dtype``, ``__getitem__``)."""

    def __init__(self, data: np.ndarray) -> None:
        self.data = data
        self.shape = data.shape
        self.dtype = data.dtype
        self.reads: list[Any] = []

    def __getitem__(self, index: Any) -> np.ndarray:
        self.reads.append(index)
        return self.data[index]


def counted(shape: tuple[int, ...] = (6, 5), chunks: Any = (4, 2)) -> tuple[Array, Any]:
    source = CountingSource(np.arange(math.prod(shape), dtype=float).reshape(shape))
    return caa.from_array(source, chunks=chunks), source


# -- metadata and repr ---------------------------------------------------------------------


@SETTINGS
@given(data=st.data())
def test_metadata_matches_numpy(data: st.DataObject) -> None:
    a, chunks = data.draw(arrays_and_chunks())
    x = caa.from_array(a, chunks=chunks)
    assert x.chunks == chunks
    assert (x.shape, x.ndim, x.size, x.nbytes, x.itemsize, x.dtype) == (
        a.shape, a.ndim, a.size, a.nbytes, a.itemsize, a.dtype)
    assert x.numblocks == tuple(len(c) for c in chunks) == x.blocks.shape
    assert x.npartitions == math.prod(x.numblocks) == x.blocks.size
    assert x.chunksize == tuple(max(c) for c in chunks)
    if a.ndim:
        assert len(x) == len(a)
    else:
        with pytest.raises(TypeError, match="unsized"):
            len(x)
    assert_eq(x.T, a.T)
    result = x.compute()
    assert isinstance(result, np.ndarray) and (result.shape, result.dtype) == (x.shape, x.dtype)
    np.testing.assert_array_equal(result, a)
    # One block, chosen at random, through x.blocks.
    index = tuple(data.draw(st.integers(0, n - 1)) for n in x.numblocks)
    block = x.blocks[index]
    assert block.shape == tuple(c[i] for c, i in zip(chunks, index))
    np.testing.assert_array_equal(block.compute(), a[slices_of(chunks, index)])


def test_repr_shows_shape_dtype_chunksize_chunks_and_tasks() -> None:
    x = caa.from_array(np.arange(10), chunks=4)
    assert repr(x) == ("chunkarray.Array<array, shape=(10,), dtype=int64, chunksize=(4,), "
                       "chunks=3, tasks=3>")
    y = caa.sqrt(x.astype("f4") + 1).reshape(2, 5)
    pattern = (r"chunkarray\.Array<(?P<name>[a-z_]+), shape=(?P<shape>\(.*?\)), "
               r"dtype=(?P<dtype>\w+), chunksize=(?P<chunksize>\(.*?\)), "
               r"chunks=(?P<chunks>\d+), tasks=(?P<tasks>\d+)>")
    match = re.fullmatch(pattern, repr(y))
    assert match is not None, repr(y)
    assert match["shape"] == "(2, 5)" and match["dtype"] == "float32"
    assert match["chunksize"] == str(y.chunksize) and int(match["chunks"]) == y.npartitions
    assert int(match["tasks"]) == len(y.graph) > y.npartitions
    assert "shape=()" in repr(x.sum())


def test_blocks_view() -> None:
    a = np.arange(30).reshape(6, 5)
    x = caa.from_array(a, chunks=(4, 2))
    assert_eq(x.blocks[1, 2], a[4:, 4:])
    assert_eq(x.blocks[:, -1], a[:, 4:])
    assert_eq(x.blocks[0], a[:4])
    assert_eq(x.blocks[::-1, :2], np.concatenate([a[4:], a[:4]])[:, :4])


def test_transpose_forms() -> None:
    a = np.arange(24).reshape(2, 3, 4)
    x = caa.from_array(a, chunks=(1, 2, 3))
    assert_eq(x.T, a.T)
    assert_eq(x.transpose(1, 0, 2), a.transpose(1, 0, 2))
    assert_eq(x.transpose((2, 0, 1)), a.transpose((2, 0, 1)))
    assert_eq(x.mT, a.mT)


def test_scalar_conversions() -> None:
    x = caa.from_array(np.array(2.5), chunks=())
    assert (float(x), int(x), complex(x), bool(x)) == (2.5, 2, 2.5 + 0j, True)
    one = caa.from_array(np.array([2.5]), chunks=1)
    assert bool(one) is True
    with pytest.raises(TypeError, match="0-dimensional"):
        float(one)  # as NumPy 2.4
    assert [float(v) for v in caa.from_array(np.arange(3.0), chunks=2)] == [0.0, 1.0, 2.0]
    with pytest.raises(ValueError, match="ambiguous"):
        bool(caa.from_array(np.arange(3), chunks=2))


def test_names_are_deterministic() -> None:
    a = np.arange(10)
    x, y = caa.from_array(a, chunks=4), caa.from_array(a.copy(), chunks=4)
    assert x.name == y.name
    assert (x + 1).name == (y + 1).name != (x + 2).name
    assert (x + 1).name != caa.from_array(a, chunks=5).__add__(1).name


# -- compute, NumPy protocols --------------------------------------------------------------


def test_compute_returns_numpy_with_the_metadata() -> None:
    for a, chunks in [(np.arange(12, dtype="u2").reshape(3, 4), 2),
                      (np.ones((0, 3), dtype="c8"), 2), (np.array(5.0), ())]:
        x = caa.from_array(a, chunks=chunks)
        result = x.compute()
        assert type(result) is np.ndarray
        assert (result.shape, result.dtype) == (x.shape, x.dtype)
        np.testing.assert_array_equal(result, a)
    total = caa.from_array(np.arange(4), chunks=2).sum().compute()
    assert np.asarray(total).shape == () and total.dtype == np.int64  # as NumPy's a.sum()


def test_numpy_asarray() -> None:
    x, source = counted()
    assert not source.reads
    result = np.asarray(x)
    assert type(result) is np.ndarray
    np.testing.assert_array_equal(result, source.data)
    assert np.asarray(x, dtype="f4").dtype == np.float32
    np.testing.assert_array_equal(np.array(x), source.data)


def test_array_function_keeps_implemented_functions_lazy() -> None:
    a = np.arange(12.0).reshape(3, 4)
    x, y = caa.from_array(a, chunks=2), caa.from_array(a * 2, chunks=(3, 1))
    for lazy, expected in [
        (np.sum(x), a.sum()), (np.sum(x, axis=1), a.sum(axis=1)), (np.mean(x), a.mean()),
        (np.where(x > 4, x, y), np.where(a > 4, a, a * 2)),
        (np.concatenate([x, y]), np.concatenate([a, a * 2])),
        (np.concatenate([x, y], axis=1), np.concatenate([a, a * 2], axis=1)),
        (np.clip(x, 2, 5), np.clip(a, 2, 5)), (np.round(x / 3, 1), np.round(a / 3, 1)),
        (np.transpose(x), a.T), (np.reshape(x, (4, 3)), a.reshape(4, 3)),
        (np.max(x, axis=0), a.max(axis=0)), (np.stack([x, y]), np.stack([a, a * 2])),
    ]:
        assert isinstance(lazy, Array), type(lazy)
        assert_eq(lazy, expected)


@pytest.mark.parametrize("call", [lambda x: np.unique(x), lambda x: np.linalg.svd(x),
                                  lambda x: np.sort(x), lambda x: np.fft.fft(x)],
                         ids=["unique", "svd", "sort", "fft"])
def test_array_function_refuses_unimplemented_functions(call: Any) -> None:
    x, source = counted()
    with pytest.raises(TypeError, match=r"numpy\S*\.\w+ is not implemented") as info:
        call(x)
    assert ".compute()" in str(info.value)
    assert not source.reads  # refused, not silently loaded


def test_ufunc_methods() -> None:
    a = np.arange(12).reshape(3, 4)
    x = caa.from_array(a, chunks=2)
    assert_eq(np.add.reduce(x), np.add.reduce(a))  # axis=0 by default, unlike np.sum
    assert_eq(np.multiply.reduce(x, axis=1), np.multiply.reduce(a, axis=1))
    assert_eq(np.maximum.reduce(x, axis=None), np.maximum.reduce(a, axis=None))
    assert_eq(np.logical_or.reduce(x > 5, axis=1), np.logical_or.reduce(a > 5, axis=1))
    for call in (lambda: np.add.accumulate(x), lambda: np.add.outer(x, x),
                 lambda: np.subtract.reduce(x)):
        with pytest.raises(TypeError, match="not implemented"):
            call()


def test_array_namespace() -> None:
    x = caa.from_array(np.arange(3), chunks=2)
    assert x.__array_namespace__() is caa
    xp = x.__array_namespace__()
    assert_eq(xp.sum(xp.sin(x)), np.sum(np.sin(np.arange(3))))


# -- persist, compute of several, to_delayed -----------------------------------------------


def test_persist_has_one_task_per_chunk_and_equal_values() -> None:
    x, source = counted()
    y = caa.sin(x) + x * 2
    p = y.persist()
    assert isinstance(p, Array) and len(source.reads) == x.npartitions
    assert len(p.graph) == p.npartitions == y.npartitions
    assert (p.chunks, p.dtype, p.name) == (y.chunks, y.dtype, y.name)
    source.reads.clear()
    assert_eq(p, np.sin(source.data) + source.data * 2)
    assert_eq(p.sum(axis=0), (np.sin(source.data) + source.data * 2).sum(axis=0))
    assert not source.reads  # the persisted chunks are used, the source is not read again
    (q, z, n) = ca.persist(y, x.T, 3)
    assert len(q.graph) == 6 and len(z.graph) == 6 and n == 3


def test_compute_of_several_shares_work() -> None:
    x, source = counted()
    shared = caa.exp(x / 10)
    results = ca.compute(shared + 1, shared.sum(axis=0), [shared.max()], x.T)
    assert len(source.reads) == x.npartitions  # every chunk read once, for all results
    e = np.exp(source.data / 10)
    np.testing.assert_allclose(results[0], e + 1)
    np.testing.assert_allclose(results[1], e.sum(axis=0))
    assert isinstance(results[2], list) and np.isclose(results[2][0], e.max())
    np.testing.assert_array_equal(results[3], source.data.T)


def test_to_delayed_gives_one_delayed_per_block() -> None:
    a = np.arange(30).reshape(6, 5)
    x = caa.from_array(a, chunks=(4, 2)) + 1
    blocks = x.to_delayed()
    assert blocks.shape == x.numblocks
    for index in np.ndindex(*x.numblocks):
        assert isinstance(blocks[index], Delayed)
        np.testing.assert_array_equal(blocks[index].compute(), a[slices_of(x.chunks, index)] + 1)
    parts = ca.compute(*blocks.ravel().tolist())
    assert sum(p.size for p in parts) == a.size


# -- laziness ------------------------------------------------------------------------------


def test_nothing_is_read_until_compute() -> None:
    x, source = counted(shape=(8, 6), chunks=(3, 2))
    y = (caa.sin(x) * 2 + x.T.T)[1:, ::2].astype("f4")
    y = caa.where(y > 1, y, 0).sum(axis=0) + np.sum(x, axis=0)[::2]
    _ = (repr(y), y.shape, y.dtype, y.chunks, y.numblocks, y.nbytes, len(y), y.blocks[0])
    _ = (y.T, prepare([y]), np.sin(y), x.to_delayed(), x.rechunk(4), x.persist)
    assert not source.reads
    y.compute()
    assert 0 < len(source.reads) <= 2 * x.npartitions


def test_indexing_reads_only_the_chunks_it_needs() -> None:
    x, source = counted(shape=(8, 6), chunks=(3, 2))
    assert float(x[4, 5]) == source.data[4, 5]
    assert len(source.reads) == 1
    source.reads.clear()
    np.testing.assert_array_equal(x.blocks[0, 1].compute(), source.data[:3, 2:4])
    assert len(source.reads) == 1
