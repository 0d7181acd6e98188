"""Tests for chunkarray.array.cumulative: cumsum, cumprod, nancumsum, nancumprod."""

from __future__ import annotations

import importlib.util
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chunkarray.array import cumulative as C
from chunkarray.array.core import Array
from chunkarray.array.creation import from_array
from chunkarray.base import prepare
from chunkarray.graph.graph import Graph
from chunkarray.graph.keys import key_name
from chunkarray.graph.layer import MaterializedLayer
from chunkarray.graph.optimize import cull
from chunkarray.graph.reduction import PrefixScan
from chunkarray.graph.task import Literal
from chunkarray.testing.assert_eq import assert_eq
from chunkarray.testing.strategies import arrays_and_chunks, axis_for, dtypes, shapes

NAMES = ["cumsum", "cumprod", "nancumsum", "nancumprod"]
HAS_RAVEL = importlib.util.find_spec("chunkarray.array.reshape") is not None


def small_products(dtype: np.dtype[Any]) -> st.SearchStrategy[Any]:
    """Values whose running products neither overflow nor round much."""
    if dtype.kind == "b":
        return st.booleans()
    if dtype.kind in "iu":
        return st.integers(0 if dtype.kind == "u" else -2, 2)
    halves = st.sampled_from([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0])
    return halves if dtype.kind == "f" else st.builds(complex, halves, halves)


def tolerance(a: np.ndarray) -> dict[str, float]:
    eps = np.finfo(a.dtype).eps if a.dtype.kind in "fc" else np.finfo(np.float64).eps
    return {"rtol": 100 * eps, "atol": 100 * eps * max(a.size, 1) * 100}


@given(data=st.data())
def test_cumulative_matches_numpy(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(NAMES), label="name")
    nan = name.startswith("nan")
    a, chunks = data.draw(arrays_and_chunks(
        dtype=dtypes(),
        shape=shapes(max_side=4),
        elements=(lambda d: small_products(d) | (st.just(np.nan) if nan and d.kind in "fc"
                                                 else st.nothing())),
    ))
    axis = data.draw(axis_for(a.ndim, allow_none=a.ndim <= 1 or HAS_RAVEL))
    x = from_array(a, chunks=chunks)
    result = getattr(C, name)(x, axis=axis)
    expected = getattr(np, name)(a, axis=axis)
    assert_eq(result, expected, **tolerance(a))
    if axis is not None and a.ndim:
        assert result.chunks == x.chunks


@given(data=st.data())
def test_dtype_argument(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(NAMES), label="name")
    a, chunks = data.draw(arrays_and_chunks(dtype=dtypes("biuf"), shape=shapes(min_dims=1),
                                            elements=small_products))
    dtype = data.draw(st.sampled_from(
        [d for d in ("int64", "float32", "float64", "complex128") if np.can_cast(a.dtype, d)]))
    axis = data.draw(axis_for(a.ndim, allow_none=False))
    result = getattr(C, name)(from_array(a, chunks=chunks), axis=axis, dtype=dtype)
    assert result.dtype == np.dtype(dtype)
    assert_eq(result, getattr(np, name)(a, axis=axis, dtype=dtype), **tolerance(a))


def test_dtypes_follow_numpy() -> None:
    for dtype in ("bool", "int8", "int32", "uint16", "uint64", "float32", "complex64"):
        a = np.ones((3, 2), dtype=dtype)
        x = from_array(a, chunks=1)
        for name in NAMES:
            assert getattr(C, name)(x, axis=0).dtype == getattr(np, name)(a, axis=0).dtype


def test_zero_dimensional_and_empty() -> None:
    s = from_array(np.array(3.5), chunks=())
    assert_eq(C.cumsum(s), np.cumsum(np.array(3.5)))
    assert_eq(C.nancumprod(from_array(np.array(np.nan), chunks=())), np.array([1.0]))
    e = from_array(np.empty((0, 3)), chunks=2)
    assert_eq(C.cumsum(e, axis=0), np.empty((0, 3)))
    assert_eq(C.cumprod(e, axis=1), np.empty((0, 3)))


def unknown_chunks(blocks: list[np.ndarray]) -> Array:
    """A 1-d Array of ``blocks`` whose sizes are unknown (nan), as after a boolean mask."""
    name = f"unknown-{id(blocks):x}0000000"
    layer = MaterializedLayer(name, {(name, i): Literal(b) for i, b in enumerate(blocks)})
    return Array(Graph.from_layer(layer), name, ((math.nan,) * len(blocks),), blocks[0].dtype)


def test_empty_blocks_of_unknown_size_pass_the_carry_on() -> None:
    blocks = [np.array([1.0, 2.0]), np.empty(0), np.array([3.0]), np.empty(0)]
    x = unknown_chunks(blocks)
    for name in NAMES:
        assert_eq(getattr(C, name)(x, axis=0), getattr(np, name)(np.concatenate(blocks)))


def test_each_block_reads_its_block_and_one_carry() -> None:
    a = np.arange(1, 25.0).reshape(4, 6)
    x = from_array(a, chunks=(2, 2))  # 2 x 3 blocks
    c = C.cumsum(x, axis=1)
    assert_eq(c, np.cumsum(a, axis=1))
    out = c.graph.layers[c.name]
    carry = next(la for la in c.graph.layers.values() if isinstance(la, PrefixScan))
    for i in range(2):
        for j in range(3):
            deps = out.task((c.name, i, j)).dependencies
            assert deps == {(carry.name, i, j), (carry.input_name, i, j)}
            if j:
                assert carry.task((carry.name, i, j)).dependencies == {
                    (carry.name, i, j - 1), (carry.input_name, i, j - 1)}
    # The last block of the first row needs that row only: 3 reads+scans, 3 carries, 1 out.
    needed = cull(c.graph, [(c.name, 0, 2)])
    assert {key[1] for key in needed if isinstance(key, tuple) and len(key) == 3} == {0}


def test_elementwise_input_fuses_into_the_block_scan() -> None:
    from chunkarray.array import elementwise

    a = np.linspace(0, 1, 12).reshape(3, 4)
    x = from_array(a, chunks=(1, 2))  # 3 x 2 blocks
    c = C.cumsum(elementwise.sin(x), axis=1)
    tasks, _, _ = prepare([c])
    # Per block: read + sin + scan fused (6); carries (6); outputs (6).
    assert len(tasks) == 18
    assert len({key_name(k) for k in tasks}) == 3
    assert_eq(c, np.cumsum(np.sin(a), axis=1))


def test_one_block_along_the_axis_is_one_layer() -> None:
    x = from_array(np.arange(12).reshape(3, 4), chunks=(1, 4))
    c = C.cumprod(x, axis=1)
    assert not any(isinstance(la, PrefixScan) for la in c.graph.layers.values())
    assert_eq(c, np.cumprod(np.arange(12).reshape(3, 4), axis=1))


def test_numpy_overrides_and_names() -> None:
    a = np.arange(10.0)
    x = from_array(a, chunks=3)
    assert_eq(np.cumsum(x), np.cumsum(a))
    assert_eq(np.nancumprod(x, axis=0), np.nancumprod(a, axis=0))
    assert C.cumsum(x).name == C.cumsum(x, axis=0).name == C.cumsum(x, axis=-1).name
    assert C.cumsum(x).name != C.cumprod(x).name
    assert C.cumsum(x, dtype="f4").name != C.cumsum(x).name


def test_bad_arguments_raise_when_building() -> None:
    x = from_array(np.arange(12.0).reshape(3, 4), chunks=2)
    with pytest.raises(np.exceptions.AxisError, match="cumsum: axis 2 is out of bounds"):
        C.cumsum(x, axis=2)
    with pytest.raises(TypeError, match="cumprod: axis must be an int or None"):
        C.cumprod(x, axis=(0, 1))
    with pytest.raises(TypeError, match="out= is not supported"):
        C.nancumsum(x, axis=0, out=np.empty((3, 4)))


@pytest.mark.skipif(not HAS_RAVEL, reason="needs chunkarray.array.reshape.ravel")
def test_axis_none_flattens() -> None:
    a = np.arange(12).reshape(3, 4)
    assert_eq(C.cumsum(from_array(a, chunks=2)), np.cumsum(a))
