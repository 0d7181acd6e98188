"""Tests for chunkarray.array.manipulation, against NumPy."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chunkarray.array.core import Array
from chunkarray.array.creation import from_array
from chunkarray.array.join import JoinLayer, concatenate, stack
from chunkarray.array.manipulation import (
    broadcast_to,
    expand_dims,
    moveaxis,
    squeeze,
    swapaxes,
    transpose,
)
from chunkarray.array.rechunk import RechunkLayer
from chunkarray.array.reshape import ravel, reshape
from chunkarray.graph.optimize import cull
from chunkarray.graph.task import Alias
from chunkarray.testing.assert_eq import assert_eq
from chunkarray.testing.strategies import arrays, arrays_and_chunks, chunks_for, dtypes, shapes

SETTINGS = settings(max_examples=40, deadline=None)


def lazy(data: Any) -> tuple[np.ndarray, Array]:
    arr, chunks = data
    return arr, from_array(arr, chunks=chunks)


# -- axis order ------------------------------------------------------------------------------


@given(arrays_and_chunks(), st.data())
@SETTINGS
def test_transpose(case: Any, data: Any) -> None:
    arr, x = lazy(case)
    axes = data.draw(st.one_of(st.none(), st.permutations(range(arr.ndim)).flatmap(
        lambda p: st.tuples(*(st.sampled_from([a, a - arr.ndim]) for a in p)))))
    y = transpose(x, axes)
    assert_eq(y, np.transpose(arr, axes))
    if axes is not None:
        assert y.chunks == tuple(x.chunks[a] for a in axes)
    assert_eq(x.T, arr.T)


@given(arrays_and_chunks(shape=shapes(min_dims=1)), st.data())
@SETTINGS
def test_swapaxes_and_moveaxis(case: Any, data: Any) -> None:
    arr, x = lazy(case)
    n = arr.ndim
    a, b = data.draw(st.integers(-n, n - 1)), data.draw(st.integers(-n, n - 1))
    assert_eq(swapaxes(x, a, b), np.swapaxes(arr, a, b))
    k = data.draw(st.integers(0, n))
    src = data.draw(st.permutations(range(n)))[:k]
    dst = data.draw(st.permutations(range(n)))[:k]
    assert_eq(moveaxis(x, src, dst), np.moveaxis(arr, src, dst))


# -- length-one axes and broadcasting -----------------------------------------------------------


@given(arrays_and_chunks(shape=shapes(max_dims=3)), st.data())
@SETTINGS
def test_expand_dims(case: Any, data: Any) -> None:
    arr, x = lazy(case)
    k = data.draw(st.integers(1, 2))
    out_ndim = arr.ndim + k
    axes = tuple(data.draw(st.lists(st.integers(-out_ndim, out_ndim - 1), min_size=k,
                                    max_size=k).filter(lambda ax: len({a % out_ndim
                                                                       for a in ax}) == k)))
    assert_eq(expand_dims(x, axes), np.expand_dims(arr, axes))
    one = data.draw(st.integers(-arr.ndim - 1, arr.ndim))
    assert_eq(expand_dims(x, one), np.expand_dims(arr, one))


@given(st.data())
@SETTINGS
def test_squeeze(data: Any) -> None:
    shape = data.draw(st.lists(st.sampled_from([0, 1, 1, 2, 3]), max_size=4).map(tuple))
    arr, x = lazy(data.draw(arrays_and_chunks(shape=st.just(shape))))
    ones = [i for i, n in enumerate(shape) if n == 1]
    axis = data.draw(st.one_of(st.none(), st.lists(st.sampled_from(ones), unique=True).map(
        tuple) if ones else st.none()))
    assert_eq(squeeze(x, axis), np.squeeze(arr, axis))


@given(arrays_and_chunks(shape=shapes(max_dims=3, max_side=3)), st.data())
@SETTINGS
def test_broadcast_to(case: Any, data: Any) -> None:
    arr, x = lazy(case)
    lead = tuple(data.draw(st.lists(st.integers(0, 3), max_size=2)))
    tail = tuple(data.draw(st.integers(0, 3)) if n == 1 else n for n in arr.shape)
    shape = lead + tail
    chunks = data.draw(st.one_of(st.none(), chunks_for(shape)))
    y = broadcast_to(x, shape, chunks=chunks)
    assert_eq(y, np.broadcast_to(arr, shape))
    if chunks is not None:
        assert y.chunks == chunks


# -- joining ---------------------------------------------------------------------------------


@given(st.data())
@SETTINGS
def test_concatenate(data: Any) -> None:
    base = list(data.draw(shapes(min_dims=1, max_dims=3)))
    axis = data.draw(st.integers(-len(base), len(base) - 1))
    parts, lazies = [], []
    for _ in range(data.draw(st.integers(1, 3))):
        shape = list(base)
        shape[axis] = data.draw(st.integers(0, 4))
        arr = data.draw(arrays(data.draw(dtypes()), tuple(shape)))
        parts.append(arr)
        lazies.append(from_array(arr, chunks=data.draw(chunks_for(tuple(shape)))))
    y = concatenate(lazies, axis=axis)
    expected = np.concatenate(parts, axis=axis)
    assert_eq(y, expected)
    # The chunks along the axis are the inputs' own, joined.
    along = tuple(c for a in lazies if a.shape[axis] for c in a.chunks[axis]) or (0,)
    assert y.chunks[axis % len(base)] == along
    assert_eq(concatenate(lazies, axis=None), np.concatenate(parts, axis=None))


def test_concatenate_renames_keys_without_moving_data() -> None:
    x = from_array(np.arange(6).reshape(2, 3), chunks=(1, 3))
    y = from_array(np.arange(6, 12).reshape(2, 3), chunks=(2, 3))
    z = concatenate([x, y])
    layer = z.graph.layers[z.name]
    assert isinstance(layer, JoinLayer)
    assert isinstance(layer.task((z.name, 2, 0)), Alias)
    assert layer.task((z.name, 2, 0)).dependencies == {(y.name, 0, 0)}
    assert z.chunks == ((1, 1, 2), (3,))
    assert_eq(concatenate([x, y.astype("float32")]), np.arange(12.0).reshape(4, 3))


def test_concatenate_unifies_other_axes() -> None:
    a = np.arange(12).reshape(2, 6)
    x = from_array(a, chunks=(2, 3))
    y = from_array(a, chunks=(1, 2))
    z = concatenate([x, y], axis=0)
    assert z.chunks == ((2, 1, 1), (2, 1, 1, 2))
    assert_eq(z, np.concatenate([a, a]))


def test_concatenate_of_huge_arrays_is_lazy() -> None:
    class Source:
        shape, dtype = (10**7, 10**6), np.dtype("float64")

        def __getitem__(self, index: Any) -> np.ndarray:
            return np.zeros(tuple(s.stop - s.start for s in index))

    x = from_array(Source(), chunks=(1000, 1000))
    start = time.perf_counter()
    z = concatenate([x, x, x], axis=1)
    assert time.perf_counter() - start < 0.5
    key = (z.name, 5, 2500)
    assert set(cull(z.graph, [key])) == {key, (x.name, 5, 500)}


@given(st.data())
@SETTINGS
def test_stack(data: Any) -> None:
    shape = data.draw(shapes(max_dims=3))
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    parts = [data.draw(arrays(data.draw(dtypes()), shape)) for _ in range(data.draw(
        st.integers(1, 3)))]
    lazies = [from_array(p, chunks=data.draw(chunks_for(shape))) for p in parts]
    y = stack(lazies, axis=axis)
    assert_eq(y, np.stack(parts, axis=axis))
    assert y.chunks[axis % (len(shape) + 1)] == (1,) * len(parts)


# -- reshape ---------------------------------------------------------------------------------


def _factors(n: int) -> list[int]:
    out, p = [], 2
    while p * p <= n:
        while n % p == 0:
            out.append(p)
            n //= p
        p += 1
    return out + ([n] if n > 1 else [])


@st.composite
def same_size_shape(draw: Any, shape: tuple[int, ...]) -> tuple[int, ...]:
    size = int(np.prod(shape))
    if size == 0:
        dims = draw(st.lists(st.integers(0, 3), min_size=1, max_size=4))
        dims[draw(st.integers(0, len(dims) - 1))] = 0
        return tuple(dims)
    factors = draw(st.permutations(_factors(size)))
    ndim = draw(st.integers(1 if factors else 0, max(len(factors), 1) + 1))
    dims = [1] * ndim
    for f in factors:
        dims[draw(st.integers(0, ndim - 1))] *= f
    return tuple(dims)


@given(arrays_and_chunks(shape=shapes(max_side=6)), st.data())
@settings(max_examples=80, deadline=None)
def test_reshape(case: Any, data: Any) -> None:
    arr, x = lazy(case)
    new = data.draw(same_size_shape(arr.shape))
    assert_eq(reshape(x, new), arr.reshape(new))
    if new and arr.size:
        with_unknown = list(new)
        with_unknown[data.draw(st.integers(0, len(new) - 1))] = -1
        assert_eq(reshape(x, tuple(with_unknown)), arr.reshape(with_unknown))
    assert_eq(reshape(x, new, order="F"), arr.reshape(new, order="F"))
    assert_eq(ravel(x), arr.ravel())


def test_reshape_along_chunk_boundaries_does_not_rechunk() -> None:
    a = np.arange(4 * 6 * 10).reshape(4, 6, 10)
    x = from_array(a, chunks=(1, 6, 10))
    y = reshape(x, (24, 10))
    assert y.chunks == ((6, 6, 6, 6), (10,))
    z = reshape(from_array(a, chunks=(2, 6, 10)), (2, 2, 60))
    assert z.chunks == ((1, 1), (2,), (60,))
    for r in (y, z):
        assert not any(isinstance(layer, RechunkLayer) for layer in r.graph.layers.values())
    assert_eq(z, a.reshape(2, 2, 60))
    # Splitting an axis whose chunks are multiples of the trailing size.
    w = reshape(from_array(np.arange(24), chunks=8), (6, 4))
    assert w.chunks == ((2, 2, 2), (4,))


def test_reshape_keeps_blocks_small() -> None:
    x = from_array(np.arange(100 * 100).reshape(100, 100), chunks=10)
    y = reshape(x, (-1,))
    assert max(y.chunks[0]) <= 100
    assert_eq(y, np.arange(100 * 100))


def test_methods() -> None:
    a = np.arange(24).reshape(2, 3, 4)
    x = from_array(a, chunks=2)
    assert_eq(x.reshape(4, 6), a.reshape(4, 6))
    assert_eq(x.reshape((6, 4)), a.reshape((6, 4)))
    assert_eq(x.ravel(), a.ravel())
    assert_eq(x.swapaxes(0, 2), a.swapaxes(0, 2))
    assert_eq(expand_dims(x, 0).squeeze(), a)


# -- NumPy overrides -------------------------------------------------------------------------


def test_numpy_functions_stay_lazy() -> None:
    a = np.arange(12).reshape(3, 4)
    x = from_array(a, chunks=2)
    cases = [
        (np.transpose(x), a.T),
        (np.swapaxes(x, 0, 1), a.swapaxes(0, 1)),
        (np.moveaxis(x, 0, 1), np.moveaxis(a, 0, 1)),
        (np.concatenate([x, a]), np.concatenate([a, a])),
        (np.stack([x, x], axis=2), np.stack([a, a], axis=2)),
        (np.expand_dims(x, 1), np.expand_dims(a, 1)),
        (np.squeeze(np.expand_dims(x, 0)), a),
        (np.broadcast_to(x, (2, 3, 4)), np.broadcast_to(a, (2, 3, 4))),
        (np.reshape(x, (4, 3)), a.reshape(4, 3)),
        (np.ravel(x), a.ravel()),
    ]
    for lazy_result, expected in cases:
        assert isinstance(lazy_result, Array)
        assert_eq(lazy_result, expected)


# -- errors ----------------------------------------------------------------------------------


def test_errors() -> None:
    x = from_array(np.arange(12).reshape(3, 4), chunks=2)
    with pytest.raises(ValueError, match="transpose"):
        transpose(x, (0,))
    with pytest.raises(ValueError, match="transpose"):
        transpose(x, (0, 0))
    with pytest.raises(IndexError):
        swapaxes(x, 0, 2)
    with pytest.raises(ValueError, match="dimension 1"):
        concatenate([x, from_array(np.zeros((3, 3)), chunks=2)])
    with pytest.raises(ValueError, match="number of dimensions"):
        concatenate([x, from_array(np.zeros(3), chunks=2)])
    with pytest.raises(ValueError, match="at least one"):
        concatenate([])
    with pytest.raises(ValueError, match="zero-dimensional"):
        concatenate([from_array(np.float64(1.0), chunks=())])
    with pytest.raises(TypeError, match="cast"):
        concatenate([x, x.astype("float64")], dtype="int8", casting="safe")
    with pytest.raises(ValueError, match="same shape"):
        stack([x, x.T])
    with pytest.raises(ValueError, match=r"size 12 into shape \(5,\)"):
        reshape(x, (5,))
    with pytest.raises(ValueError, match="one -1"):
        reshape(x, (-1, -1))
    with pytest.raises(ValueError, match="squeeze"):
        squeeze(x, 0)
    with pytest.raises(ValueError, match=r"\(3, 4\).*\(3, 5\)"):
        broadcast_to(x, (3, 5))
    with pytest.raises(TypeError, match="out="):
        concatenate([x, x], out=np.empty((6, 4)))
