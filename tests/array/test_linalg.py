"""Tests for chunkarray.array.linalg, against NumPy."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chunkarray.array.elementwise  # noqa: F401 - the @ operator
from chunkarray.array.core import Array
from chunkarray.array.creation import from_array
from chunkarray.array.linalg import dot, matmul, sum_of_products, tensordot
from chunkarray.testing.assert_eq import assert_eq
from chunkarray.testing.strategies import arrays, chunks_for, dtypes

SETTINGS = settings(max_examples=50, deadline=None)
sides = st.integers(0, 4)


def lazy(data: Any, arr: np.ndarray) -> Array:
    return from_array(arr, chunks=data.draw(chunks_for(arr.shape)))


def draw_pair(data: Any, shape_a: tuple[int, ...], shape_b: tuple[int, ...],
              ) -> tuple[np.ndarray, np.ndarray]:
    kinds = data.draw(st.sampled_from(["biu", "f", "fc", "iuf"]))
    a = data.draw(arrays(data.draw(dtypes(kinds)), shape_a))
    b = data.draw(arrays(data.draw(dtypes(kinds)), shape_b))
    return a, b


@given(st.data())
@SETTINGS
def test_tensordot(data: Any) -> None:
    k = data.draw(st.integers(0, 2))
    contracted = tuple(data.draw(st.lists(sides, min_size=k, max_size=k)))
    free_a = tuple(data.draw(st.lists(sides, max_size=2)))
    free_b = tuple(data.draw(st.lists(sides, max_size=2)))
    if data.draw(st.booleans()):
        # The integer form: last k axes of a with the first k of b.
        a, b = draw_pair(data, free_a + contracted, contracted + free_b)
        axes: Any = k
    else:
        # Axis lists in any order, negative axes too.
        a_perm = data.draw(st.permutations(range(len(free_a) + k)))
        b_perm = data.draw(st.permutations(range(len(free_b) + k)))
        shape_a = [0] * len(a_perm)
        shape_b = [0] * len(b_perm)
        for i, n in enumerate(free_a + contracted):
            shape_a[a_perm[i]] = n
        for i, n in enumerate(contracted + free_b):
            shape_b[b_perm[i]] = n
        a, b = draw_pair(data, tuple(shape_a), tuple(shape_b))
        a_axes = [a_perm[len(free_a) + i] - (len(shape_a) if i % 2 else 0) for i in range(k)]
        b_axes = [b_perm[i] for i in range(k)]
        axes = (a_axes, b_axes)
    assert_eq(tensordot(lazy(data, a), lazy(data, b), axes=axes), np.tensordot(a, b, axes))


@given(st.data())
@SETTINGS
def test_matmul(data: Any) -> None:
    n, m, p = data.draw(sides), data.draw(sides), data.draw(sides)
    batch = tuple(data.draw(st.lists(st.integers(0, 3), max_size=2)))
    # Each operand has a suffix of the batch shape, with some axes of length one.
    def operand_batch() -> tuple[int, ...]:
        b = batch[len(batch) - data.draw(st.integers(0, len(batch))):]
        return tuple(1 if data.draw(st.booleans()) else s for s in b)

    a_shape = operand_batch() + (n, m) if data.draw(st.integers(0, 3)) else (m,)
    b_shape = operand_batch() + (m, p) if data.draw(st.integers(0, 3)) else (m,)
    a, b = draw_pair(data, a_shape, b_shape)
    x, y = lazy(data, a), lazy(data, b)
    expected = np.matmul(a, b)
    assert_eq(matmul(x, y), expected)
    assert_eq(x @ y, expected)
    assert_eq(x @ b, expected)


@given(st.data())
@SETTINGS
def test_dot(data: Any) -> None:
    shape_a = tuple(data.draw(st.lists(sides, max_size=3)))
    m = shape_a[-1] if shape_a else data.draw(sides)
    nb = data.draw(st.integers(0, 3))
    shape_b = () if nb == 0 else (m,) if nb == 1 else tuple(
        data.draw(st.lists(sides, min_size=nb - 2, max_size=nb - 2))) + (m, data.draw(sides))
    a, b = draw_pair(data, shape_a, shape_b)
    assert_eq(dot(lazy(data, a), lazy(data, b)), np.dot(a, b))


def test_contracted_blocks_are_summed_not_concatenated() -> None:
    a = np.arange(4 * 30).reshape(4, 30)
    b = np.arange(30 * 2).reshape(30, 2)
    x = from_array(a, chunks=(2, 10))
    y = from_array(b, chunks=(5, 2))
    z = matmul(x, y)
    assert z.chunks == ((2, 2), (2,))
    assert_eq(z, a @ b)
    # Both go to common chunks (5s) along the contracted axis; each task reads one row of
    # x's blocks and one column of y's, as lists.
    task = z.graph.task((z.name, 1, 0))
    assert len(task.dependencies) == 6 + 6
    assert task.label == "sum_of_products"
    per_input: dict[str, int] = {}
    for key in task.dependencies:
        per_input[key[0]] = per_input.get(key[0], 0) + 1
    assert sorted(per_input.values()) == [6, 6]


def test_sum_of_products_orders_levels() -> None:
    a_blocks = [[np.ones((1, 2)), np.ones((1, 3))]]  # levels: p (1 block), q (2 blocks)
    b_blocks = [[np.ones((2, 1))], [np.ones((3, 1))]]  # levels: q, p
    out = sum_of_products(a_blocks, b_blocks, product=np.tensordot, b_order=(1, 0), depth=2,
                          axes=([0, 1], [1, 0]))
    assert float(out) == 5.0


def test_numpy_functions_stay_lazy() -> None:
    a = np.arange(12.0).reshape(3, 4)
    x = from_array(a, chunks=2)
    for result, expected in [(np.dot(x, a.T), a @ a.T), (np.tensordot(x, x, 2), np.sum(a * a))]:
        assert isinstance(result, Array)
        assert_eq(result, expected)


def test_numpy_matmul_ufunc() -> None:
    a = np.arange(12.0).reshape(3, 4)
    x = from_array(a, chunks=2)
    assert_eq(np.matmul(x, a.T), a @ a.T)
    assert_eq(a @ x.T, a @ a.T)


def test_errors() -> None:
    x = from_array(np.ones((3, 4)), chunks=2)
    with pytest.raises(ValueError, match="matmul"):
        matmul(x, x)
    with pytest.raises(ValueError, match="0-d"):
        matmul(x, from_array(np.float64(1.0), chunks=()))
    with pytest.raises(ValueError, match="broadcast"):
        matmul(from_array(np.ones((2, 3, 4)), chunks=2), from_array(np.ones((5, 4, 2)), chunks=2))
    with pytest.raises(ValueError, match="not aligned"):
        dot(x, x)
    with pytest.raises(ValueError, match="shape-mismatch"):
        tensordot(x, x, axes=([0], [1]))
    with pytest.raises(ValueError, match="different lengths"):
        tensordot(x, x, axes=([0, 1], [0]))
    with pytest.raises(TypeError, match="out="):
        dot(x, x.T, out=np.empty((3, 3)))
