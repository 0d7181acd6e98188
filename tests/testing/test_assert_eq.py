"""Tests for chunkarray.testing: assert_eq and the hypothesis strategies."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chunkarray.array.core import Array
from chunkarray.array.creation import from_array
from chunkarray.array.reductions import sum as ca_sum
from chunkarray.testing import assert_eq
from chunkarray.testing.strategies import (
    DTYPES,
    arrays_and_chunks,
    axes_for,
    axis_for,
    chunks_for,
    dtypes,
    shapes,
)


def test_assert_eq_passes_and_fails() -> None:
    a = np.arange(6.0).reshape(2, 3)
    x = from_array(a, chunks=(1, 2))
    assert_eq(x, a)
    assert_eq(a, x)
    assert_eq(ca_sum(x, axis=0), a.sum(axis=0))
    assert_eq(ca_sum(x), 15.0)  # a Python float has no dtype to compare
    assert_eq(np.array([1.0, np.nan]), np.array([1.0, np.nan]))
    with pytest.raises(AssertionError, match="shapes differ"):
        assert_eq(x, a[:1])
    with pytest.raises(AssertionError, match="dtypes differ"):
        assert_eq(x, a.astype(np.float32))
    assert_eq(x, a.astype(np.float32), check_dtype=False)
    with pytest.raises(AssertionError):
        assert_eq(x, a + 1e-3)
    assert_eq(x, a + 1e-3, atol=1e-2)
    with pytest.raises(AssertionError):
        assert_eq(np.array([1, 2]), np.array([1, 3]))


def test_assert_eq_catches_lying_metadata() -> None:
    x = from_array(np.arange(6.0), chunks=3)
    wrong_dtype = Array(x.graph, x.name, x.chunks, np.float32)
    with pytest.raises(AssertionError, match="dtype"):
        assert_eq(wrong_dtype, np.arange(6.0, dtype=np.float32))
    wrong_chunks = Array(x.graph, x.name, ((2, 4),), x.dtype)
    with pytest.raises(AssertionError, match="block"):
        assert_eq(wrong_chunks, np.arange(6.0))


@given(shape=shapes(), data=st.data())
def test_chunks_for_is_valid(shape: tuple[int, ...], data: st.DataObject) -> None:
    assert len(shape) <= 4 and all(0 <= s <= 5 for s in shape)
    chunks = data.draw(chunks_for(shape))
    assert len(chunks) == len(shape)
    for c, n in zip(chunks, shape):
        assert sum(c) == n and (c == (0,) if n == 0 else all(b > 0 for b in c))
        assert len(c) <= 4


@given(pair=arrays_and_chunks(allow_nan=True), data=st.data())
def test_arrays_and_axes(pair: tuple[np.ndarray, tuple[tuple[int, ...], ...]],
                         data: st.DataObject) -> None:
    a, chunks = pair
    assert a.dtype in DTYPES
    assert tuple(sum(c) for c in chunks) == a.shape
    axis = data.draw(axes_for(a.ndim))
    np.sum(a, axis=axis)  # a valid axis for NumPy
    one = data.draw(axis_for(a.ndim))
    assert one is None or isinstance(one, int)


def test_dtypes_cover_every_kind() -> None:
    assert {d.kind for d in DTYPES} == set("biufc")


@given(dtype=dtypes("uf"))
def test_dtypes_by_kind(dtype: np.dtype) -> None:
    assert dtype.kind in "uf"
