"""Tests for chunkarray.array.blockwise: ``map_blocks`` and the public ``blockwise``.

Results are compared with NumPy on random shapes and chunkings; ``block_id`` and
``block_info`` are checked value by value against the chunks.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chunkarray.array as caa
from chunkarray.array.blockwise import blockwise, map_blocks
from chunkarray.array.chunks import slices_of
from chunkarray.array.core import Array
from chunkarray.base import prepare
from chunkarray.testing import assert_eq
from chunkarray.testing.strategies import arrays_and_chunks, chunks_for, dtypes, shapes

SETTINGS = settings(max_examples=40, deadline=None)


def starts(sizes: tuple[int, ...]) -> list[int]:
    return list(itertools.accumulate(sizes, initial=0))


class Recorder:
    """Calls of a block function, by output block: thread-safe (tasks run on a pool)."""

    def __init__(self) -> None:
        self.calls: dict[Any, Any] = {}
        self.lock = threading.Lock()

    def record(self, key: Any, value: Any) -> None:
        with self.lock:
            assert key not in self.calls, f"block {key} computed twice"
            self.calls[key] = value


# -- map_blocks ----------------------------------------------------------------------------


@SETTINGS
@given(data=st.data())
def test_map_blocks_elementwise_function(data: st.DataObject) -> None:
    a, chunks = data.draw(arrays_and_chunks(dtype=dtypes("iuf")))
    x = caa.from_array(a, chunks=chunks)
    y = map_blocks(lambda b: b * 2 + 1, x)
    assert y.chunks == x.chunks and y.dtype == (a * 2 + 1).dtype  # inferred
    assert_eq(y, a * 2 + 1)
    assert_eq(map_blocks(lambda b: b > 3, x), a > 3)
    assert_eq(x.map_blocks(np.abs, dtype=a.dtype), np.abs(a))
    assert_eq(map_blocks(lambda b, k, scale=1: (b + k) * scale, x, 3, scale=2), (a + 3) * 2)


def test_dtype_argument_and_inference() -> None:
    a = np.arange(6)
    x = caa.from_array(a, chunks=4)
    assert map_blocks(lambda b: b / 2, x).dtype == np.float64
    assert map_blocks(lambda b: b // 2, x).dtype == np.int64
    assert map_blocks(lambda b: b.astype("f4"), x).dtype == np.float32
    assert_eq(map_blocks(lambda b: b.astype("i2"), x, dtype="i2"), a.astype("i2"))
    with pytest.raises(ValueError, match="dtype=") as info:
        map_blocks(lambda b: b.no_such_attribute, x)
    assert "no_such_attribute" in str(info.value)
    with pytest.raises(ValueError, match="at least one argument must be an array"):
        map_blocks(np.sin, 3.0)


def test_several_arrays_with_different_chunkings_are_aligned() -> None:
    a, b, c = np.arange(30.0).reshape(6, 5), np.ones((6, 5)), np.arange(5.0)
    x = caa.from_array(a, chunks=(4, 2))
    y = caa.from_array(b, chunks=(3, 3))
    v = caa.from_array(c, chunks=3)
    z = map_blocks(lambda p, q, r: p * q + r, x, y, v)
    assert z.chunks == ((3, 1, 2), (2, 1, 1, 1))
    assert_eq(z, a * b + c)
    assert_eq(map_blocks(np.add, x, b), a + b)  # a NumPy argument is chunked like x


def test_chunks_for_functions_that_change_block_shapes() -> None:
    a = np.arange(24).reshape(4, 6)
    x = caa.from_array(a, chunks=(2, (1, 2, 3)))
    y = map_blocks(lambda b: np.repeat(b, 2, axis=1), x,
                   chunks=(x.chunks[0], tuple(2 * c for c in x.chunks[1])))
    assert y.shape == (4, 12)
    assert_eq(y, np.repeat(a, 2, axis=1))
    z = map_blocks(lambda b: b[:1], caa.from_array(a, chunks=2), chunks=(1, 2))  # ints: per block
    assert z.chunks == ((1, 1), (2, 2, 2))
    assert_eq(z, a[::2])
    with pytest.raises(ValueError, match="chunks"):
        map_blocks(lambda b: b, x, chunks=((4,),))
    with pytest.raises(ValueError, match="blocks"):
        map_blocks(lambda b: b, x, chunks=((4,), (6,)))


@SETTINGS
@given(data=st.data())
def test_drop_axis_concatenates_the_dropped_axis(data: st.DataObject) -> None:
    a, chunks = data.draw(arrays_and_chunks(dtype=dtypes("if"), shape=shapes(min_dims=1)))
    axis = data.draw(st.integers(-a.ndim, a.ndim - 1))
    x = caa.from_array(a, chunks=chunks)
    y = map_blocks(lambda b: b.sum(axis=axis), x, drop_axis=axis)  # dtype inferred
    assert y.ndim == a.ndim - 1
    assert_eq(y, a.sum(axis=axis))


def test_drop_several_axes() -> None:
    a = np.arange(60.0).reshape(3, 4, 5)
    x = caa.from_array(a, chunks=2)
    assert_eq(map_blocks(lambda b: b.max(axis=(0, 2)), x, drop_axis=[0, 2]), a.max(axis=(0, 2)))


def test_new_axis() -> None:
    a = np.arange(12.0).reshape(3, 4)
    x = caa.from_array(a, chunks=2)
    assert_eq(map_blocks(lambda b: b[None], x, new_axis=0), a[None])
    assert_eq(map_blocks(lambda b: b[..., None], x, new_axis=-1), a[..., None])
    y = map_blocks(lambda b: np.stack([b, -b, b * 2], axis=1), x, new_axis=1,
                   chunks=(x.chunks[0], (3,), x.chunks[1]))
    assert y.numblocks == (2, 1, 2)
    assert_eq(y, np.stack([a, -a, a * 2], axis=1))
    z = map_blocks(lambda b: b.sum(axis=0)[:, None], x, drop_axis=0, new_axis=1)
    assert_eq(z, a.sum(axis=0)[:, None])


@SETTINGS
@given(data=st.data())
def test_block_id(data: st.DataObject) -> None:
    shape = data.draw(shapes(min_dims=1, max_dims=3, min_side=1))
    chunks = data.draw(chunks_for(shape))
    x = caa.from_array(np.zeros(shape), chunks=chunks)

    def label(block: np.ndarray, block_id: Any = None) -> np.ndarray:
        return np.full(block.shape, np.ravel_multi_index(block_id, x.numblocks))

    expected = np.zeros(shape, dtype=np.int64)
    for flat, index in enumerate(np.ndindex(*x.numblocks)):
        expected[slices_of(chunks, index)] = flat
    assert_eq(map_blocks(label, x, dtype=np.int64), expected)


@SETTINGS
@given(data=st.data())
def test_block_info_values(data: st.DataObject) -> None:
    shape = data.draw(shapes(min_dims=1, max_dims=3, min_side=1))
    x = caa.from_array(np.zeros(shape, dtype="f4"), chunks=data.draw(chunks_for(shape)))
    # A second input, aligned to x along its last axis but chunked differently.
    y = caa.from_array(np.zeros(shape[-1:]), chunks=data.draw(chunks_for(shape[-1:])))
    seen = Recorder()

    def f(b: np.ndarray, c: np.ndarray, block_info: Any = None,
          block_id: Any = None) -> np.ndarray:
        seen.record(block_id, block_info)
        return b + c

    z = map_blocks(f, x, y, dtype="f8")
    z.compute()
    assert len(seen.calls) == z.npartitions
    for index, info in seen.calls.items():
        out_loc = [(s.start, s.stop) for s in slices_of(z.chunks, index)]
        assert info[None] == {
            "shape": shape, "num-chunks": z.numblocks, "chunk-location": index,
            "chunk-shape": tuple(c[i] for c, i in zip(z.chunks, index)),
            "array-location": out_loc, "dtype": np.dtype("f8")}
        assert info[0]["shape"] == shape and info[0]["array-location"] == out_loc
        assert info[0]["chunk-location"] == index and info[0]["num-chunks"] == z.numblocks
        assert info[1] == {"shape": shape[-1:], "num-chunks": z.numblocks[-1:],
                           "chunk-location": index[-1:], "array-location": out_loc[-1:]}


def test_block_info_with_drop_and_new_axis() -> None:
    a = np.arange(30.0).reshape(6, 5)
    x = caa.from_array(a, chunks=(4, 2))
    seen = Recorder()

    def f(b: np.ndarray, block_info: Any = None) -> np.ndarray:
        seen.record(block_info[None]["chunk-location"], block_info)
        lo, hi = block_info[0]["array-location"][1]
        assert b.shape == (6, hi - lo)  # the dropped axis arrives whole
        return b.sum(axis=0)[None]

    y = map_blocks(f, x, drop_axis=0, new_axis=0, dtype=float)
    assert_eq(y, a.sum(axis=0)[None])
    info = seen.calls[(0, 2)]
    assert info[0] == {"shape": (6, 5), "num-chunks": (2, 3), "chunk-location": (0, 2),
                       "array-location": [(0, 6), (4, 5)]}
    assert info[None]["array-location"] == [(0, 1), (4, 5)]
    assert info[None]["chunk-shape"] == (1, 1)


def test_block_info_rebuilds_global_positions() -> None:
    shape, chunks = (7, 5), ((3, 4), (1, 2, 2))
    x = caa.from_array(np.zeros(shape, dtype=np.int64), chunks=chunks)

    def positions(block: np.ndarray, block_info: Any = None) -> np.ndarray:
        (r0, r1), (c0, c1) = block_info[0]["array-location"]
        return np.add.outer(np.arange(r0, r1) * shape[1], np.arange(c0, c1))

    assert_eq(map_blocks(positions, x, dtype=np.int64), np.arange(35).reshape(shape))


def test_map_blocks_fuses_with_elementwise_chain() -> None:
    a = np.arange(24.0).reshape(4, 6)
    x = caa.from_array(a, chunks=(2, 3))
    y = map_blocks(lambda b: b * 2, caa.sin(x) + 1) - 3
    assert len(prepare([y])[0]) == y.npartitions
    assert_eq(y, (np.sin(a) + 1) * 2 - 3)


# -- blockwise -----------------------------------------------------------------------------


@SETTINGS
@given(data=st.data())
def test_blockwise_contraction_with_concatenate(data: st.DataObject) -> None:
    n, k, m = (data.draw(st.integers(1, 5)) for _ in range(3))
    a = data.draw(arrays_and_chunks(dtype=st.just(np.dtype("i8")), shape=st.just((n, k))))[0]
    b = data.draw(arrays_and_chunks(dtype=st.just(np.dtype("i8")), shape=st.just((k, m))))[0]
    x = caa.from_array(a, chunks=data.draw(chunks_for(a.shape)))
    y = caa.from_array(b, chunks=data.draw(chunks_for(b.shape)))
    z = blockwise(np.matmul, "ik", x, "ij", y, "jk", dtype=np.int64, concatenate=True)
    assert z.chunks == (x.chunks[0], y.chunks[1])
    assert_eq(z, a @ b)
    # Without concatenate the function receives the lists of blocks along j.
    w = blockwise(lambda ps, qs: sum(p @ q for p, q in zip(ps, qs)), "ik", x, "ij", y, "jk",
                  dtype=np.int64)
    assert_eq(w, a @ b)


def test_blockwise_transpose_broadcast_and_literals() -> None:
    a = np.arange(12.0).reshape(3, 4)
    x = caa.from_array(a, chunks=(2, 3))
    assert_eq(blockwise(np.transpose, "ji", x, "ij", dtype=float), a.T)
    v = caa.from_array(np.arange(4.0), chunks=2)
    assert_eq(blockwise(np.add, "ij", x, "ij", v, "j", dtype=float), a + np.arange(4.0))
    assert_eq(blockwise(np.multiply, "ij", x, "ij", 10, None, dtype=float), a * 10)
    assert_eq(blockwise(lambda b, scale: b * scale, "ij", x, "ij", dtype=float, scale=3), a * 3)


def test_blockwise_adjust_chunks() -> None:
    a = np.arange(30.0).reshape(6, 5)
    x = caa.from_array(a, chunks=(4, 2))
    sums = blockwise(lambda b: b.sum(axis=0, keepdims=True), "ij", x, "ij", dtype=float,
                     adjust_chunks={"i": 1})
    assert sums.chunks == ((1, 1), (2, 2, 1))
    assert_eq(sums, np.stack([a[:4].sum(axis=0), a[4:].sum(axis=0)]))
    firsts = blockwise(lambda b: b[:1], "ij", x, "ij", dtype=float,
                       adjust_chunks={"i": lambda c: min(c, 1)})
    assert_eq(firsts, a[[0, 4]])
    doubled = blockwise(lambda b: np.repeat(b, 2, axis=1), "ij", x, "ij", dtype=float,
                        adjust_chunks={"j": (4, 4, 2)})
    assert_eq(doubled, np.repeat(a, 2, axis=1))


def test_blockwise_new_axes() -> None:
    c = np.arange(5.0)
    v = caa.from_array(c, chunks=3)
    out = blockwise(lambda b: b[:, None] * np.arange(1, 4), "ik", v, "i", dtype=float,
                    new_axes={"k": 3})
    assert out.chunks == ((3, 2), (3,))
    assert_eq(out, c[:, None] * np.arange(1, 4))


def test_blockwise_errors() -> None:
    x = caa.from_array(np.ones((4, 6)), chunks=2)
    with pytest.raises(ValueError, match="dtype"):
        blockwise(np.sin, "ij", x, "ij")
    with pytest.raises(ValueError, match="alternate"):
        blockwise(np.sin, "ij", x, dtype=float)
    with pytest.raises(ValueError, match=r"index 'i' has lengths \[4, 6\]"):
        blockwise(np.add, "ij", x, "ij", x, "ji", dtype=float)
    assert isinstance(blockwise(np.add, "ij", x, "ij", x.T, "ji", dtype=float), Array)
