"""Tests for chunkarray.array.slicing: getitem, setitem, blocks, unknown chunk sizes.

Every indexing form is compared with NumPy on random shapes (0-4 axes, zero-length
ones too), chunkings and indices; the laziness tests count the reads of a source.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chunkarray.array.elementwise  # noqa: F401 - installs the Array operators
from chunkarray.array.core import Array
from chunkarray.array.creation import from_array
from chunkarray.array.slicing import (
    chunks_from_blocks,
    compute_chunk_sizes,
    getitem,
    nonzero,
    select_blocks,
    setitem,
    take,
)
from chunkarray.array.slicing_index import IndexTypeError
from chunkarray.base import prepare
from chunkarray.errors import ChunkArrayTypeError, ChunkArrayValueError
from chunkarray.testing.assert_eq import assert_eq
from chunkarray.testing.strategies import arrays_and_chunks, dtypes, shapes

SETTINGS = settings(max_examples=40, deadline=None)
small_ints = st.integers(0, 7)


# -- strategies ----------------------------------------------------------------------------


@st.composite
def slices(draw: Any, n: int) -> slice:
    bound = st.one_of(st.none(), st.integers(-n - 2, n + 2))
    step = st.one_of(st.none(), st.integers(-4, 4).filter(bool))
    return slice(draw(bound), draw(bound), draw(step))


@st.composite
def basic_items(draw: Any, shape: tuple[int, ...]) -> list[Any]:
    """One int, slice or full slice per axis (some trailing ones left out)."""
    items: list[Any] = []
    for n in shape:
        kinds = ["slice", "full"] + (["int"] if n else [])
        kind = draw(st.sampled_from(kinds))
        if kind == "int":
            items.append(draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            items.append(draw(slices(n)))
        else:
            items.append(slice(None))
    return items[: draw(st.integers(0, len(items)))] if draw(st.booleans()) else items


@st.composite
def decorate(draw: Any, items: list[Any], ndim: int) -> tuple[Any, ...]:
    """Insert Nones and maybe an Ellipsis standing for some full slices."""
    items = list(items)
    for _ in range(draw(st.integers(0, 2))):
        items.insert(draw(st.integers(0, len(items))), None)
    if draw(st.booleans()):
        items += [slice(None)] * (ndim - sum(i is not None for i in items))
        fulls = [i for i, v in enumerate(items) if isinstance(v, slice) and v == slice(None)]
        if fulls:
            start = draw(st.sampled_from(fulls))
            stop = start
            while stop < len(items) and isinstance(items[stop], slice) and \
                    items[stop] == slice(None):
                stop += 1
            items[start:draw(st.integers(start + 1, stop))] = [Ellipsis]
        else:
            items.insert(draw(st.integers(0, len(items))), Ellipsis)
    return tuple(items)


@st.composite
def int_arrays(draw: Any, n: int) -> Any:
    if n == 0:
        flat: list[int] = []
    else:
        flat = draw(st.lists(st.integers(-n, n - 1), max_size=6))
    arr = np.array(flat, dtype=np.intp)
    if len(flat) in (4, 6) and draw(st.booleans()):
        arr = arr.reshape(2, -1)
    return arr.tolist() if draw(st.booleans()) else arr


def data_and_chunks(**kwargs: Any) -> Any:
    kwargs.setdefault("dtype", dtypes())
    return arrays_and_chunks(**kwargs)


def build(data: np.ndarray, chunks: Any) -> Array:
    return from_array(data, chunks=chunks)


# -- getitem against NumPy --------------------------------------------------------------------


@SETTINGS
@given(st.data(), data_and_chunks())
def test_getitem_basic(data: Any, pair: Any) -> None:
    a, chunks = pair
    index = data.draw(basic_items(a.shape).flatmap(lambda i: decorate(i, a.ndim)))
    assert_eq(build(a, chunks)[index], a[index])


@SETTINGS
@given(st.data(), data_and_chunks(shape=shapes(min_dims=1)))
def test_getitem_one_integer_array(data: Any, pair: Any) -> None:
    a, chunks = pair
    items = data.draw(basic_items(a.shape))
    items += [slice(None)] * (a.ndim - len(items))
    axis = data.draw(st.integers(0, a.ndim - 1))
    items[axis] = data.draw(int_arrays(a.shape[axis]))
    index = data.draw(decorate(items, a.ndim))
    assert_eq(build(a, chunks)[index], a[index])


@SETTINGS
@given(st.data(), data_and_chunks(shape=shapes(min_dims=1)))
def test_getitem_numpy_mask(data: Any, pair: Any) -> None:
    a, chunks = pair
    start = data.draw(st.integers(0, a.ndim - 1))
    k = data.draw(st.integers(1, a.ndim - start))
    mask = data.draw(st.lists(st.booleans(), min_size=math.prod(a.shape[start:start + k]),
                              max_size=math.prod(a.shape[start:start + k])))
    mask_arr = np.array(mask, dtype=bool).reshape(a.shape[start:start + k])
    items = data.draw(basic_items(a.shape[:start]))
    items += [slice(None)] * (start - len(items))
    index = (*items, mask_arr)
    assert_eq(build(a, chunks)[index], a[index])


@SETTINGS
@given(st.data(), data_and_chunks(shape=shapes(min_dims=1)))
def test_getitem_lazy_mask(data: Any, pair: Any) -> None:
    a, chunks = pair
    start = data.draw(st.integers(0, a.ndim - 1))
    k = data.draw(st.integers(1, a.ndim - start))
    axes = slice(start, start + k)
    size = math.prod(a.shape[axes])
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=size, max_size=size)),
                    dtype=bool).reshape(a.shape[axes])
    items = data.draw(st.lists(st.one_of(st.just(slice(None)), st.just(0)),
                               min_size=start, max_size=start))
    items = [0 if i == 0 and a.shape[d] else slice(None) for d, i in enumerate(items)]
    lazy = from_array(mask, chunks=chunks[axes])
    x = build(a, chunks)
    got = x[(*items, lazy)]
    expected = a[(*items, mask)]
    assert any(all(math.isnan(c) for c in cs) for cs in got.chunks)
    assert_eq(got, expected)
    assert_eq(compute_chunk_sizes(got), expected)


def test_lazy_mask_from_the_array_itself() -> None:
    a = np.arange(40).reshape(5, 8) % 7
    x = from_array(a, chunks=(2, 3))
    assert_eq(x[x > 3], a[a > 3])
    assert_eq(x[x[:, 0] > 1], a[a[:, 0] > 1])
    assert_eq(x[1:, ::-1][x[1:, ::-1] == 0], a[1:, ::-1][a[1:, ::-1] == 0])


def test_lazy_mask_with_other_chunks() -> None:
    pytest.importorskip("chunkarray.array.rechunk")
    a = np.arange(40).reshape(5, 8)
    x = from_array(a, chunks=(2, 3))
    mask = from_array(a % 3 == 0, chunks=(3, 5))
    assert_eq(x[mask], a[a % 3 == 0])


def test_masked_result_of_a_masked_result() -> None:
    a = np.arange(30)
    x = from_array(a, chunks=7)
    y = x[x % 2 == 0]
    mask = y.map_blocks(lambda b: b % 3 == 0, dtype=bool)  # keeps y's unknown chunks
    assert_eq(y[mask], a[(a % 2 == 0)][a[a % 2 == 0] % 3 == 0])
    assert_eq(y[:], a[a % 2 == 0])
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        y[1:3]
    assert_eq(compute_chunk_sizes(y)[1:3], a[a % 2 == 0][1:3])


@SETTINGS
@given(st.data(), data_and_chunks(shape=shapes(min_dims=2)))
def test_getitem_several_integer_arrays(data: Any, pair: Any) -> None:
    a, chunks = pair
    axes = sorted(data.draw(st.sets(st.integers(0, a.ndim - 1), min_size=2, max_size=a.ndim)))
    length = data.draw(st.integers(0, 5)) if all(a.shape[i] for i in axes) else 0
    items: list[Any] = [slice(None)] * a.ndim
    for i in axes:
        values = st.lists(st.integers(-a.shape[i], a.shape[i] - 1), min_size=length,
                          max_size=length) if length else st.just([])
        items[i] = np.array(data.draw(values), dtype=np.intp)
    if data.draw(st.booleans()) and length:
        items[axes[0]] = items[axes[0]][:1]  # broadcasts against the others
    others = [i for i in range(a.ndim) if i not in axes and a.shape[i]]
    if others and data.draw(st.booleans()):
        items[others[0]] = data.draw(st.integers(-a.shape[others[0]], a.shape[others[0]] - 1))
    index = tuple(items)
    assert_eq(build(a, chunks)[index], a[index])


@pytest.mark.parametrize("index", [
    (0, slice(None), [0, 1]), (slice(None), 0, [0, 1]), ([0, 1], None, 0), (None, [0, 1], 0),
    (0, None, np.ones((3, 4), bool)), ([[0], [1]], slice(None), [[1, 0, 2]]),
    (Ellipsis, [3, 0, 3]), ([1, 0], slice(None, None, -1), [3, 3]), (True,),
    (slice(None), False), (Ellipsis, True), (np.array(1), [2, 0]), (np.True_, None),
])
def test_getitem_numpy_index_rules(index: Any) -> None:
    a = np.arange(24).reshape(2, 3, 4)
    assert_eq(from_array(a, chunks=(1, 2, 3))[index], a[index])


def test_getitem_integer_array_output_chunks() -> None:
    a = np.arange(100)
    x = from_array(a, chunks=10)
    assert x[np.arange(5, 35)].chunks == ((5, 10, 10, 5),)  # one chunk per source block
    assert x[np.arange(99, -1, -3)].chunks == ((4, 3, 3, 4, 3, 3, 4, 3, 3, 4),)
    perm = np.random.default_rng(0).permutation(100)
    y = x[perm]
    assert max(y.chunks[0]) <= 10
    assert_eq(y, a[perm])
    assert_eq(x[[3] * 25], a[[3] * 25])
    assert x[[3] * 25].chunks == ((10, 10, 5),)


def test_zero_dimensional_results_and_arrays() -> None:
    a = np.arange(6.0).reshape(2, 3)
    x = from_array(a, chunks=1)
    assert x[1, 2].shape == () and x[1, 2].chunks == ()
    assert_eq(x[1, 2], a[1, 2])
    assert_eq(x[1][2], a[1][2])
    z = x[1, 2]
    assert_eq(z[()], a[1, 2])
    assert_eq(z[None], a[1, 2][None])
    assert_eq(z[...], a[1, 2])
    assert x[:] is x and x[...] is x and x[:, :] is x and getitem(x, ()) is x


@SETTINGS
@given(st.data(), data_and_chunks())
def test_take(data: Any, pair: Any) -> None:
    a, chunks = pair
    if not a.ndim or 0 in a.shape:
        return
    axis = data.draw(st.integers(-a.ndim, a.ndim - 1))
    idx = data.draw(int_arrays(a.shape[axis]))
    assert_eq(take(build(a, chunks), idx, axis=axis), np.take(a, idx, axis=axis))
    assert_eq(np.take(build(a, chunks), idx, axis=axis), np.take(a, idx, axis=axis))


# -- nonzero and unknown chunk sizes ------------------------------------------------------------


@SETTINGS
@given(arrays_and_chunks(dtype=st.just(np.dtype(int)), shape=shapes(min_dims=1)))
def test_nonzero(pair: Any) -> None:
    a, chunks = pair
    x = from_array(a, chunks=chunks)
    got = nonzero(x)
    expected = np.nonzero(a)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert_eq(g, e)
    for g, e in zip(np.nonzero(x), expected):
        assert_eq(g, e)


def test_nonzero_errors() -> None:
    with pytest.raises(ValueError, match="0d"):
        nonzero(from_array(np.array(1), chunks=()))
    x = from_array(np.arange(5), chunks=2)
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        nonzero(x[x > 1])


def test_compute_chunk_sizes_and_persist() -> None:
    a = np.arange(24).reshape(6, 4)
    x = from_array(a, chunks=(2, 3))
    y = x[x[:, 0] % 3 == 0]
    assert y.chunks == ((math.nan,) * 3, (3, 1)) or all(math.isnan(c) for c in y.chunks[0])
    z = compute_chunk_sizes(y)
    assert z.chunks == ((1, 1, 0), (3, 1)) and z.name == y.name
    assert_eq(z, a[a[:, 0] % 3 == 0])
    assert compute_chunk_sizes(x) is x
    assert y.compute_chunk_sizes().chunks == z.chunks
    p = y.persist()
    assert p.chunks == z.chunks
    assert_eq(p, a[a[:, 0] % 3 == 0])


def test_zero_size_blocks() -> None:
    a = np.arange(10)
    mask = (a < 3) | (a > 5)
    z = compute_chunk_sizes(from_array(a, chunks=3)[from_array(mask, chunks=3)])
    e = a[mask]
    assert z.chunks == ((3, 0, 3, 1),)
    for index in [slice(None, None, -1), [0, 6, 3], slice(2, 5), slice(3, None, 2), 3, -4,
                  slice(3, 3)]:
        assert_eq(z[index], e[index])
    expected = e.copy()
    expected[[3, 2]] = [7, 8]
    assert_eq(setitem(z, [3, 2], [7, 8]), expected)
    assert_eq(z.blocks[1], e[3:3])
    assert_eq(z.blocks[1:3], e[3:6])


def test_chunks_from_blocks() -> None:
    blocks = {("x", i, j): np.ones((i + 1, 2 - j)) for i in range(3) for j in range(2)}
    assert chunks_from_blocks(blocks, "x", (3, 2)) == ((1, 2, 3), (2, 1))
    assert chunks_from_blocks({("x",): np.float64(1)}, "x", ()) == ()


# -- blocks -------------------------------------------------------------------------------------


@SETTINGS
@given(st.data(), data_and_chunks(shape=shapes(min_dims=1)))
def test_blocks(data: Any, pair: Any) -> None:
    a, chunks = pair
    x = from_array(a, chunks=chunks)
    index = []
    positions = []
    for n, sizes in zip(x.numblocks, chunks):
        kind = data.draw(st.sampled_from(["int", "slice", "list"]))
        if kind == "int":
            index.append(data.draw(st.integers(-n, n - 1)))
            picked = [index[-1] % n]
        elif kind == "slice":
            index.append(data.draw(slices(n)))
            picked = list(range(n))[index[-1]]
        else:
            index.append(data.draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=4)))
            picked = [i % n for i in index[-1]]
        starts = np.concatenate([[0], np.cumsum(sizes)])
        positions.append(np.array([p for b in picked for p in range(starts[b], starts[b + 1])],
                                  dtype=np.intp))
    got = x.blocks[tuple(index)]
    assert_eq(got, a[np.ix_(*positions)])


def test_blocks_forms_and_errors() -> None:
    a = np.arange(20).reshape(4, 5)
    x = from_array(a, chunks=(2, 2))
    assert x.blocks[...] is x
    assert_eq(x.blocks[1], a[2:])
    assert_eq(x.blocks[..., -1], a[:, 4:])
    assert_eq(x.blocks[:, [True, False, True]], a[:, [0, 1, 4]])
    assert_eq(x.blocks[::-1, 0], np.concatenate([a[2:, :2], a[:2, :2]]))
    assert x.blocks.shape == (2, 3) and x.blocks.size == 6
    assert_eq(select_blocks(x, (0, 1)), a[:2, 2:4])
    with pytest.raises(IndexError, match="out of bounds"):
        x.blocks[2]
    with pytest.raises(IndexError, match="too many"):
        x.blocks[0, 0, 0]
    with pytest.raises(TypeError, match="float"):
        x.blocks[0.5]
    with pytest.raises(TypeError):
        x.blocks[None]


# -- setitem against NumPy ----------------------------------------------------------------------


def _check_setitem(a: np.ndarray, chunks: Any, index: Any, value: Any,
                   lazy_value: bool = False) -> None:
    expected = a.copy()
    expected[index] = value
    x = from_array(a, chunks=chunks)
    before = Array(x.graph, x.name, x.chunks, x.dtype)
    x[index] = from_array(np.asarray(value), chunks=1) if lazy_value else value
    assert_eq(x, expected)
    assert_eq(before, a)  # the old Array is unchanged


@SETTINGS
@given(st.data(), data_and_chunks(dtype=dtypes("iuf")))
def test_setitem_basic_and_one_array(data: Any, pair: Any) -> None:
    a, chunks = pair
    items = data.draw(basic_items(a.shape))
    if a.ndim and data.draw(st.booleans()):
        items += [slice(None)] * (a.ndim - len(items))
        axis = data.draw(st.integers(0, a.ndim - 1))
        items[axis] = data.draw(int_arrays(a.shape[axis]))
    index = data.draw(decorate(items, a.ndim))
    shape = a[index].shape
    kind = data.draw(st.sampled_from(["scalar", "full", "row"]))
    if kind == "scalar":
        value: Any = data.draw(small_ints)
    elif kind == "full":
        value = np.arange(math.prod(shape)).reshape(shape) % 50
    else:
        value = np.arange(shape[-1]) % 50 if shape else 3
    _check_setitem(a, chunks, index, np.asarray(value).astype(a.dtype))


@SETTINGS
@given(st.data(), data_and_chunks(dtype=dtypes("iuf"), shape=shapes(min_dims=1)))
def test_setitem_numpy_mask(data: Any, pair: Any) -> None:
    a, chunks = pair
    k = data.draw(st.integers(1, a.ndim))
    size = math.prod(a.shape[:k])
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=size, max_size=size)),
                    dtype=bool).reshape(a.shape[:k])
    count = int(mask.sum())
    selected = (count, *a.shape[k:])
    kind = data.draw(st.sampled_from(["scalar", "selected", "row"]))
    if kind == "scalar":
        value: Any = data.draw(small_ints)
    elif kind == "selected":
        value = np.arange(math.prod(selected)).reshape(selected) % 50
    else:
        value = np.arange(selected[-1]) % 50
    tail = data.draw(st.sampled_from([(), (Ellipsis,), (slice(None),) * (a.ndim - k)]))
    _check_setitem(a, chunks, (mask, *tail), np.asarray(value).astype(a.dtype))


@SETTINGS
@given(st.data(), data_and_chunks(dtype=dtypes("iuf"), shape=shapes(min_dims=1)))
def test_setitem_lazy_mask(data: Any, pair: Any) -> None:
    a, chunks = pair
    k = data.draw(st.integers(1, a.ndim))
    threshold = data.draw(small_ints)
    mask = (np.arange(math.prod(a.shape[:k])).reshape(a.shape[:k]) % 3) > threshold % 3
    x = from_array(a, chunks=chunks)
    lazy = from_array(mask, chunks=chunks[:k])
    value = data.draw(st.one_of(small_ints, st.just("array")))
    expected = a.copy()
    if value == "array":
        full = (np.arange(a.size).reshape(a.shape) % 11).astype(a.dtype)
        expected[mask] = full[mask]
        x[lazy] = from_array(full, chunks=chunks)
    else:
        expected[mask] = value
        x[lazy] = value
    assert_eq(x, expected)


def test_setitem_mask_value_broadcast_against_the_array() -> None:
    a = np.arange(24.0).reshape(4, 6)
    mask = a[:, 0] > 5
    x = from_array(a, chunks=(3, 4))
    x[mask] = -a
    assert_eq(x, np.where(mask[:, None], -a, a))
    y = from_array(a, chunks=(3, 4))
    y[from_array(a > 10, chunks=2)] = np.arange(6.0)
    assert_eq(y, np.where(a > 10, np.arange(6.0), a))


@pytest.mark.parametrize("index, shape", [
    ((0, 0), (5,)), ((slice(None), slice(None, None, -1), 1), (3, 4)),
    ((slice(None), [3, 0, 2], 1), (1, 3)), ((1, slice(1, 4)), (3, 5)), ((), (3, 4, 5)),
    ((2, 3, 4), ()),
])
def test_setitem_lazy_value(index: Any, shape: tuple[int, ...]) -> None:
    a = np.arange(60).reshape(3, 4, 5)
    _check_setitem(a, (2, 3, 2), index, np.arange(math.prod(shape)).reshape(shape) * -1,
                   lazy_value=True)


def test_setitem_only_touched_blocks_change() -> None:
    a = np.arange(100).reshape(10, 10)
    x = from_array(a, chunks=5)
    y = setitem(x, (7, slice(1, 3)), -1)
    layer = y.graph.layers[y.name]
    keys = list(layer.keys())
    kinds = {k[1:]: type(layer.task(k)).__name__ for k in keys}
    assert kinds == {(0, 0): "Alias", (0, 1): "Alias", (1, 0): "Task", (1, 1): "Alias"}
    mask = np.zeros((10, 10), bool)
    mask[9, 9] = True
    z = setitem(x, mask, 0)
    layer = z.graph.layers[z.name]
    keys = list(layer.keys())
    assert [type(layer.task(k)).__name__ for k in keys].count("Task") == 1


def test_setitem_errors() -> None:
    x = from_array(np.arange(10), chunks=3)
    with pytest.raises(ValueError, match="broadcast"):
        x[0:2] = np.arange(3)
    with pytest.raises(ValueError, match="cannot assign"):
        x[np.arange(10) > 4] = np.arange(3)
    with pytest.raises(ValueError):
        x[0] = "not a number"
    with pytest.raises(OverflowError):
        from_array(np.zeros(3, np.uint8), chunks=2)[0] = -1
    with pytest.raises(IndexError, match="out of bounds"):
        x[10] = 1
    y = from_array(np.zeros((3, 3)), chunks=2)
    with pytest.raises(NotImplementedError):
        y[[0, 1], [1, 2]] = 1
    with pytest.raises(NotImplementedError):
        y[0, from_array(np.ones(3, bool), chunks=2)] = 1
    with pytest.raises(ValueError, match="broadcast"):
        y[from_array(np.ones((3, 3), bool), chunks=2)] = np.ones(4)


# -- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize("index", [
    5, -6, (0, 3), ([0, 5],), (slice(None), [-4]), (np.ones(4, bool),),
    (slice(None), np.ones((3, 1), bool)), (0, 0, 0), (Ellipsis, Ellipsis),
    ([0, 1], [0, 1, 2]), (np.array([1.5]),),
])
def test_index_errors_match_numpy(index: Any) -> None:
    a = np.arange(15).reshape(5, 3)
    with pytest.raises(IndexError) as expected:
        a[index]
    with pytest.raises(IndexError) as got:
        from_array(a, chunks=2)[index]
    assert str(got.value).strip() == str(expected.value).strip()


@pytest.mark.parametrize("index, named", [
    (1.5, "float"), ("a", "str"), ({}, "dict"), ((0, 2.0), "float"), (slice(0.5, 2), "float"),
    (object(), "object"),
])
def test_unsupported_index_types(index: Any, named: str) -> None:
    x = from_array(np.arange(15).reshape(5, 3), chunks=2)
    with pytest.raises(TypeError, match=named) as info:
        x[index]
    assert isinstance(info.value, (IndexTypeError, ChunkArrayTypeError))
    assert isinstance(info.value, IndexError)  # what NumPy raises


def test_unsupported_combinations() -> None:
    a = np.arange(12).reshape(3, 4)
    x = from_array(a, chunks=2)
    mask = from_array(a > 3, chunks=2)
    with pytest.raises(NotImplementedError):
        x[from_array(np.array([0, 1]), chunks=1)]
    with pytest.raises(NotImplementedError):
        x[mask[:, 0], [0, 1, 2]]
    with pytest.raises(NotImplementedError):
        x[0, True]
    with pytest.raises(ValueError, match="zero"):
        x[::0]
    with pytest.raises(IndexError, match="did not match"):
        x[from_array(np.ones(4, bool), chunks=2)]
    with pytest.raises(NotImplementedError):
        take(x, [0], axis=0, mode="wrap")
    with pytest.raises(ChunkArrayValueError):
        x[x > 3][:1]


# -- laziness -----------------------------------------------------------------------------------


class CountingSource:
    """A NumPy array that counts reads, as a Zarr or HDF5 dataset would be read."""

    def __init__(self, data: np.ndarray) -> None:
        self.data = data
        self.shape, self.dtype, self.ndim = data.shape, data.dtype, data.ndim
        self.reads: list[Any] = []

    def __getitem__(self, index: Any) -> np.ndarray:
        self.reads.append(index)
        return self.data[index]


@pytest.mark.parametrize("index, reads", [
    ((0, 0), 1), ((slice(0, 10), 15), 1), ((slice(None, None, 10), 0), 4),
    ((slice(5, 25), slice(5, 25)), 9), ((1, [3, 35, 3]), 2), ((np.arange(40) > 37, 0), 1),
    ((slice(None, None, -1), -1), 4), ((None, 39, ..., [0, 39]), 2),
])
def test_only_touched_chunks_are_read(index: Any, reads: int) -> None:
    source = CountingSource(np.arange(1600).reshape(40, 40))
    x = from_array(source, chunks=10)
    y = x[index]
    assert source.reads == []  # building reads nothing
    assert_eq(y, source.data[index])
    assert len(source.reads) == reads


def test_setitem_reads_only_touched_chunks_when_computed_partly() -> None:
    source = CountingSource(np.arange(1600).reshape(40, 40))
    x = from_array(source, chunks=10)
    x[3, 3] = -1
    assert_eq(x[:10, :10], np.where(np.arange(100).reshape(10, 10) == 33, -1,
                                    source.data[:10, :10]))
    assert len(source.reads) == 1


class VirtualSource:
    """A 10^12-element array whose element (i, j) is ``i * 10**6 + j``."""

    shape = (10**6, 10**6)
    dtype = np.dtype(np.float64)
    ndim = 2

    def __init__(self) -> None:
        self.reads = 0

    def __getitem__(self, index: tuple[slice, slice]) -> np.ndarray:
        self.reads += 1
        rows = np.arange(index[0].start, index[0].stop, dtype=np.float64)
        cols = np.arange(index[1].start, index[1].stop, dtype=np.float64)
        return rows[:, None] * 1e6 + cols


def test_one_element_of_a_huge_array_is_instant() -> None:
    source = VirtualSource()
    x = from_array(source, chunks=1000)
    x[0, 0]  # warm up imports
    start = time.perf_counter()
    y = x[123456, 654321]
    tasks, _, _ = prepare([y])
    elapsed = time.perf_counter() - start
    assert elapsed < 0.2, elapsed
    assert len(tasks) == 1
    assert y.compute() == 123456 * 1e6 + 654321
    assert source.reads == 1


def test_huge_array_slices_build_only_what_they_touch() -> None:
    source = VirtualSource()
    x = from_array(source, chunks=1000)
    for index in [(slice(5, 2000, 7), -1), ([5, 999_999, 3], slice(None, 3000)),
                  (slice(None, None, -1), 17), (np.arange(10**6) % 100_000 == 0, 0)]:
        start = time.perf_counter()
        y = x[index]
        tasks, _, _ = prepare([y])
        assert time.perf_counter() - start < 0.5
        assert len(tasks) <= 2 * 1000
    y = x[[5, 999_999, 3], :3]
    assert_eq(y, np.array([[5e6, 5e6 + 1, 5e6 + 2],
                           [999_999e6, 999_999e6 + 1, 999_999e6 + 2],
                           [3e6, 3e6 + 1, 3e6 + 2]]))
    z = setitem(x, (0, 0), -1.0)
    tasks, _, _ = prepare([z[:2, :2]])
    assert len(tasks) <= 2
