"""Tests for chunkarray.array.creation: from_array, asarray, constants, ranges."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chunkarray import config
from chunkarray.array.chunks import normalize_chunks
from chunkarray.array.core import Array
from chunkarray.array.creation import (
    BlockShapes,
    BlockSlices,
    arange,
    array,
    asarray,
    empty,
    empty_like,
    eye,
    from_array,
    from_delayed,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    zeros,
    zeros_like,
)
from chunkarray.delayed import Delayed, delayed
from chunkarray.graph.blockwise import Blockwise
from chunkarray.testing.assert_eq import assert_eq
from chunkarray.testing.strategies import arrays_and_chunks, chunks_for, shapes


class CountingSource:
    """An array-like that records every read."""

    def __init__(self, data: np.ndarray, chunks: tuple[int, ...] | None = None) -> None:
        self.data = data
        self.shape = data.shape
        self.dtype = data.dtype
        if chunks is not None:
            self.chunks = chunks
        self.reads: list[tuple[slice, ...]] = []
        self._lock = threading.Lock()

    def __getitem__(self, index: tuple[slice, ...]) -> np.ndarray:
        with self._lock:
            self.reads.append(index)
        return self.data[index]

    def __chunkarray_tokenize__(self) -> object:
        return ("counting", id(self))


class VirtualSource:
    """A huge array-like whose blocks are made on demand (nothing could load it whole)."""

    shape = (10**7, 10**7)
    dtype = np.dtype("float64")

    def __init__(self) -> None:
        self.reads = 0

    def __getitem__(self, index: tuple[slice, ...]) -> np.ndarray:
        self.reads += 1
        return np.ones(tuple(s.stop - s.start for s in index))

    def __chunkarray_tokenize__(self) -> object:
        return "virtual"


def one_block(x: Array, *index: int) -> np.ndarray:
    return Delayed((x.name, *index), x.graph).compute()


# -- from_array --

@settings(max_examples=60, deadline=None)
@given(arrays_and_chunks())
def test_from_array_equals_numpy(case):
    data, chunks = case
    x = from_array(data, chunks=chunks)
    assert x.chunks == chunks
    assert x.dtype == data.dtype
    assert_eq(x, data)


def test_from_array_zero_dim():
    x = from_array(np.array(3.5))
    assert x.shape == () and x.chunks == ()
    result = x.compute()
    assert isinstance(result, np.ndarray) and result.shape == () and result == 3.5


def test_from_array_lists_and_scalars():
    assert_eq(from_array([[1, 2], [3, 4]], chunks=1), np.array([[1, 2], [3, 4]]))
    assert_eq(from_array(5), np.array(5))


def test_each_task_reads_only_its_block():
    source = CountingSource(np.arange(100).reshape(10, 10))
    x = from_array(source, chunks=(3, 4))
    assert source.reads == []  # building reads nothing
    np.testing.assert_array_equal(one_block(x, 1, 2), source.data[3:6, 8:10])
    assert source.reads == [(slice(3, 6), slice(8, 10))]
    source.reads.clear()
    np.testing.assert_array_equal(x.compute(), source.data)
    assert sorted(map(repr, source.reads)) == sorted(
        repr(BlockSlices(x.chunks)[i]) for i in np.ndindex(*x.numblocks))


def test_indexing_reads_only_the_needed_chunk():
    pytest.importorskip("chunkarray.array.slicing")
    source = CountingSource(np.arange(100).reshape(10, 10))
    x = from_array(source, chunks=(3, 5))
    np.testing.assert_array_equal(x[5].compute(), source.data[5])
    assert len(source.reads) == 2  # row 5 lies in two blocks: (1, 0) and (1, 1)
    source.reads.clear()
    assert x[5, 7].compute() == 57
    assert source.reads == [(slice(3, 6), slice(5, 10))]


def test_huge_source_graph_is_cheap():
    source = VirtualSource()
    start = time.perf_counter()
    x = from_array(source, chunks=(1000, 1000))
    assert x.numblocks == (10**4, 10**4)
    np.testing.assert_array_equal(one_block(x, 9999, 5), np.ones((1000, 1000)))
    assert time.perf_counter() - start < 2
    assert source.reads == 1


def test_writable_memmap_blocks_are_copies_read_only_ones_stay_maps(tmp_path):
    path = tmp_path / "data.bin"
    mm = np.memmap(path, dtype="int32", mode="w+", shape=(6, 4))
    mm[:] = np.arange(24).reshape(6, 4)
    mm.flush()
    x = from_array(mm, chunks=(4, 2))
    block = one_block(x, 1, 1)
    assert type(block) is np.ndarray and not isinstance(block, np.memmap)
    ro = np.memmap(path, dtype="int32", mode="r", shape=(6, 4))
    y = from_array(ro, chunks=(4, 2))
    block = one_block(y, 1, 1)
    assert isinstance(block, np.memmap) and not block.flags.writeable
    assert_eq(x, np.arange(24, dtype="int32").reshape(6, 4))
    assert_eq(y, np.arange(24, dtype="int32").reshape(6, 4))


def test_auto_chunks_align_with_source_chunks():
    source = CountingSource(np.zeros((100, 90)), chunks=(7, 9))
    with config.set(chunk_size="4KiB"):
        x = from_array(source)
    for sizes, c in zip(x.chunks, (7, 9)):
        assert all(s % c == 0 for s in sizes[:-1])
    assert x.chunksize[0] * x.chunksize[1] * 8 <= 4096


def test_dict_chunks_keep_the_source_chunks():
    source = CountingSource(np.zeros((10, 12)), chunks=(5, 4))
    x = from_array(source, chunks={0: 10})
    assert x.chunks == ((10,), (4, 4, 4))


def test_name_is_deterministic_and_depends_on_content():
    a = np.arange(10)
    assert from_array(a, chunks=3).name == from_array(a.copy(), chunks=3).name
    assert from_array(a, chunks=3).name != from_array(a + 1, chunks=3).name
    assert from_array(a, chunks=3).name != from_array(a, chunks=4).name
    assert from_array(a, chunks=3, name="mine").name == "mine"


def test_from_array_of_an_array():
    x = from_array(np.arange(6), chunks=2)
    assert from_array(x) is x


def test_from_array_bad_chunks():
    with pytest.raises(ValueError, match="axis 0"):
        from_array(np.arange(6), chunks=((2, 2),))


# -- asarray, array, from_delayed --

def test_asarray():
    x = from_array(np.arange(4), chunks=2)
    assert asarray(x) is x
    assert asarray(x, dtype="float32").dtype == np.float32
    assert_eq(asarray([1.5, 2.5], chunks=1), np.array([1.5, 2.5]))
    assert_eq(asarray(np.arange(3), dtype="int8"), np.arange(3, dtype="int8"))
    assert asarray(CountingSource(np.zeros(3))).shape == (3,)


def test_asarray_stacks_arrays():
    pytest.importorskip("chunkarray.array.manipulation")
    x, y = from_array(np.arange(4), chunks=2), from_array(np.arange(4) + 1, chunks=2)
    assert_eq(asarray([x, y]), np.stack([np.arange(4), np.arange(4) + 1]))


def test_array_copies_numpy_input():
    data = np.zeros(3)
    x, y = array(data), asarray(data)
    data[0] = 5
    assert x.compute()[0] == 0
    assert y.compute()[0] == 5  # asarray does not copy, as NumPy's


def test_from_delayed():
    value = delayed(np.arange)(6, pure=True)
    x = from_delayed(value, (6,), dtype="int64")
    assert x.chunks == ((6,),)
    assert_eq(x, np.arange(6))
    y = from_delayed(value, (6,), dtype="float32")
    assert y.compute().dtype == np.float32


def test_from_delayed_errors():
    value = delayed(np.arange)(6, pure=True)
    with pytest.raises(ValueError, match="dtype"):
        from_delayed(value, (6,))
    with pytest.raises(ValueError, match=r"shape \(6,\).*\(5,\)"):
        from_delayed(value, (5,), dtype=int).compute()


# -- constants --

@settings(max_examples=40, deadline=None)
@given(st.data(), shapes(), st.sampled_from(["bool", "int16", "uint8", "float32", "complex128"]))
def test_constants_equal_numpy(data, shape, dtype):
    chunks = data.draw(chunks_for(shape))
    assert_eq(zeros(shape, dtype=dtype, chunks=chunks), np.zeros(shape, dtype=dtype))
    assert_eq(ones(shape, dtype=dtype, chunks=chunks), np.ones(shape, dtype=dtype))
    assert_eq(full(shape, 1, dtype=dtype, chunks=chunks), np.full(shape, 1, dtype=dtype))
    e = empty(shape, dtype=dtype, chunks=chunks)
    assert e.shape == shape and e.dtype == dtype and e.compute().shape == shape


def test_full_dtype_follows_fill_value():
    assert full(3, 7).dtype == np.full(3, 7).dtype
    assert full(3, 7.5).dtype == np.float64
    assert full(3, np.float32(1)).dtype == np.float32
    assert_eq(full((2, 3), 2.5, dtype=int, chunks=2), np.full((2, 3), 2.5, dtype=int))


def test_constants_hold_no_data():
    x = zeros((10**9, 10**9), chunks=1000)
    layer = x.graph.layers[x.name]
    assert isinstance(layer, Blockwise)
    assert [type(v) for v, _ in layer.inputs] == [BlockShapes]
    assert len(x.graph) == 10**12
    block = one_block(x, 12, 34)
    assert block.shape == (1000, 1000) and not block.any()


def test_like_functions():
    x = from_array(np.arange(10, dtype="int32").reshape(2, 5), chunks=(1, 3))
    for func, expected in ((zeros_like, np.zeros_like), (ones_like, np.ones_like)):
        y = func(x)
        assert y.chunks == x.chunks
        assert_eq(y, expected(np.empty((2, 5), "int32")))
    assert_eq(full_like(x, 2.5), np.full((2, 5), 2, dtype="int32"))
    assert full_like(x, 2.5, dtype=float).dtype == np.float64
    assert empty_like(x).chunks == x.chunks
    assert zeros_like(x, shape=(4,)).shape == (4,)
    assert_eq(zeros_like(np.ones((2, 2), dtype=bool)), np.zeros((2, 2), dtype=bool))


def test_numpy_like_functions_stay_lazy():
    x = from_array(np.arange(6.0), chunks=4)
    for func in (np.zeros_like, np.ones_like, np.empty_like):
        y = func(x)
        assert isinstance(y, Array) and y.chunks == x.chunks
    y = np.full_like(x, 3, dtype="int8")
    assert isinstance(y, Array)
    assert_eq(y, np.full(6, 3, dtype="int8"))


@pytest.mark.parametrize("func", [zeros, ones, empty])
def test_constant_shape_errors(func):
    with pytest.raises(ValueError, match="negative dimensions"):
        func((2, -1))
    with pytest.raises(TypeError, match="shape"):
        func(2.5)


def test_full_needs_a_scalar():
    with pytest.raises(ValueError, match="fill_value"):
        full(3, [1, 2, 3])


# -- ranges --

def _exactly(x: Array, expected: np.ndarray) -> None:
    assert x.dtype == expected.dtype, (x.dtype, expected.dtype)
    assert x.shape == expected.shape
    result = x.compute()
    assert result.dtype == expected.dtype
    np.testing.assert_array_equal(result, expected, strict=True)


@settings(max_examples=120, deadline=None)
@given(
    st.floats(-1e3, 1e3, allow_subnormal=False),
    st.floats(-1e3, 1e3, allow_subnormal=False),
    st.floats(0.01, 100).flatmap(lambda m: st.sampled_from([m, -m])),
    st.integers(1, 40),
    st.sampled_from([None, "float32", "float64"]),
)
def test_arange_floats_equal_numpy(start, stop, step, block, dtype):
    expected = np.arange(start, stop, step, dtype=dtype)
    if expected.size > 20000:
        return
    _exactly(arange(start, stop, step, chunks=block, dtype=dtype), expected)


@settings(max_examples=80, deadline=None)
@given(st.integers(-50, 50), st.integers(-50, 50),
       st.integers(1, 7).flatmap(lambda m: st.sampled_from([m, -m])), st.integers(1, 10),
       st.sampled_from([None, "int8", "uint16", "int32", "float32", "complex128"]))
def test_arange_ints_equal_numpy(start, stop, step, block, dtype):
    if dtype == "uint16" and (start < 0 or start + step < 0):
        return
    expected = np.arange(start, stop, step, dtype=dtype)
    _exactly(arange(start, stop, step, chunks=block, dtype=dtype), expected)


@pytest.mark.parametrize("args", [
    (10,), (3, 10), (0, 1, 0.1), (np.float32(0.5), 10), (np.float32(0), np.float32(1),
                                                          np.float32(0.1)),
    (np.int8(5),), (True, 3), (1, 2.5, 0.5), (0.5, 5, 1.5), (5, 0), (0, -3, -1),
    (0, 10**6, 7),
])
def test_arange_dtypes_and_forms(args):
    _exactly(arange(*args, chunks=1000), np.arange(*args))


def test_arange_with_int_dtype_of_float_args():
    _exactly(arange(0.5, 5, 1.5, dtype=int, chunks=2), np.arange(0.5, 5, 1.5, dtype=int))


def test_arange_errors():
    with pytest.raises(ValueError, match="step"):
        arange(0, 5, 0)


@settings(max_examples=120, deadline=None)
@given(
    st.one_of(st.integers(-100, 100), st.floats(-1e6, 1e6, allow_subnormal=False)),
    st.one_of(st.integers(-100, 100), st.floats(-1e6, 1e6, allow_subnormal=False)),
    st.integers(0, 200), st.booleans(), st.integers(1, 30),
    st.sampled_from([None, "float32", "int64", "int16"]),
)
def test_linspace_equals_numpy(start, stop, num, endpoint, block, dtype):
    if dtype == "int16" and max(abs(start), abs(stop)) > 30000:
        return
    expected = np.linspace(start, stop, num, endpoint=endpoint, dtype=dtype)
    _exactly(linspace(start, stop, num, endpoint=endpoint, chunks=block, dtype=dtype), expected)


def test_linspace_float32_inputs():
    args = (np.float32(0.1), np.float32(7.3), 33)
    _exactly(linspace(*args, chunks=5), np.linspace(*args))


def test_linspace_errors():
    with pytest.raises(ValueError, match="non-negative"):
        linspace(0, 1, -1)
    with pytest.raises(TypeError, match="scalars"):
        linspace([0, 1], 2)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 12), st.one_of(st.none(), st.integers(0, 12)), st.integers(-14, 14),
       st.integers(1, 5), st.sampled_from([float, int, bool, "complex64"]))
def test_eye_equals_numpy(n, m, k, block, dtype):
    _exactly(eye(n, m, k=k, chunks=block, dtype=dtype), np.eye(n, m, k=k, dtype=dtype))


def test_eye_auto_chunks():
    x = eye(10)
    assert x.chunks == normalize_chunks("auto", (10, 10), dtype=float)
    assert x.dtype == np.float64
