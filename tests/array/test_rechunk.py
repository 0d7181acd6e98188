"""Tests for chunkarray.array.rechunk and its planner, against NumPy."""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chunkarray.array.chunks import normalize_chunks
from chunkarray.array.creation import from_array
from chunkarray.array.rechunk import RechunkLayer, rechunk
from chunkarray.array.rechunk_plan import axis_span, largest_block, plan_rechunk, stage_cost
from chunkarray.graph.optimize import cull
from chunkarray.graph.order import order
from chunkarray.graph.task import Alias
from chunkarray.runtime.scheduler import run
from chunkarray.testing.assert_eq import assert_eq


def _identity(block: np.ndarray) -> np.ndarray:
    return block


def computed(arr: Any, chunks: Any) -> Any:
    """An Array that is not a plain read of ``arr`` (rechunk cannot re-read the source)."""
    x = from_array(arr, chunks=chunks)
    return x.map_blocks(_identity, dtype=x.dtype)

DTYPES = ["bool", "int8", "int64", "uint16", "float32", "float64", "complex128"]

# -- strategies ------------------------------------------------------------------------------

shapes = st.lists(st.integers(0, 7), min_size=0, max_size=4).map(tuple)


@st.composite
def axis_chunks(draw: Any, n: int, max_cuts: int = 5) -> tuple[int, ...]:
    if n == 0:
        return (0,)
    kind = draw(st.sampled_from(["cuts", "whole", "ones"]))
    if kind == "whole" or n == 1:
        return (n,)
    if kind == "ones":
        return (1,) * n
    cuts = draw(st.sets(st.integers(1, n - 1), max_size=min(n - 1, max_cuts)))
    bounds = [0, *sorted(cuts), n]
    return tuple(b - a for a, b in zip(bounds, bounds[1:]))


@st.composite
def chunks_for(draw: Any, shape: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
    return tuple(draw(axis_chunks(n)) for n in shape)


def make_data(shape: tuple[int, ...], dtype: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if np.dtype(dtype).kind in "iu":
        return rng.integers(0, 100, size=shape).astype(dtype)
    if np.dtype(dtype).kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def rechunk_layers(y: Any) -> list[RechunkLayer]:
    return [layer for layer in y.graph.layers.values() if isinstance(layer, RechunkLayer)]


def task_input_elements(layer: RechunkLayer, key: Any) -> int:
    """Elements of the input blocks the task for ``key`` reads."""
    task = layer.task(key)
    total = 0
    for dep in task.dependencies:
        total += math.prod(c[i] for c, i in zip(layer.old_chunks, dep[1:]))
    return total


# -- values and chunks -----------------------------------------------------------------------


@given(data=st.data())
@settings(max_examples=80, deadline=None)
def test_rechunk_matches_numpy(data: Any) -> None:
    shape = data.draw(shapes)
    old, new = data.draw(chunks_for(shape)), data.draw(chunks_for(shape))
    dtype = data.draw(st.sampled_from(DTYPES))
    threshold = data.draw(st.sampled_from([None, 1, 2]))
    arr = make_data(shape, dtype, data.draw(st.integers(0, 2**16)))
    x = from_array(arr, chunks=old)
    y = rechunk(x, new, threshold=threshold)
    assert y.chunks == new
    assert y.dtype == arr.dtype
    assert_eq(y, arr)
    # Every task reads at most threshold x the larger of an input and an output block.
    bound = (threshold or 4) * max(largest_block(old), largest_block(new))
    for layer in rechunk_layers(y):
        for key in layer.keys():
            assert task_input_elements(layer, key) <= bound


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (3, ((3, 3, 2), (3, 3))),
        (-1, ((8,), (6,))),
        ({1: 2}, ((4, 4), (2, 2, 2))),
        ({0: -1}, ((8,), (6,))),
        ({-1: None, 0: 5}, ((5, 3), (6,))),
        ((None, 4), ((4, 4), (4, 2))),
        (((1, 7), (2, 4)), ((1, 7), (2, 4))),
        ((2, (6,)), ((2, 2, 2, 2), (6,))),
    ],
)
def test_rechunk_spec_forms(spec: Any, expected: Any) -> None:
    arr = np.arange(48).reshape(8, 6)
    x = from_array(arr, chunks=(4, 6))
    y = x.rechunk(spec)
    assert y.chunks == expected
    np.testing.assert_array_equal(y.compute(), arr)


def test_rechunk_auto_uses_block_size_limit() -> None:
    arr = np.arange(10_000, dtype="float64").reshape(100, 100)
    x = from_array(arr, chunks=10)
    y = rechunk(x, "auto", block_size_limit=8 * 2500)
    assert y.chunks == normalize_chunks("auto", (100, 100), dtype="float64",
                                        previous_chunks=x.chunks, limit=8 * 2500)
    assert max(y.chunks[0]) * max(y.chunks[1]) <= 2500
    np.testing.assert_array_equal(y.compute(), arr)


def test_identity_returns_the_same_array() -> None:
    x = from_array(np.arange(10), chunks=3)
    assert rechunk(x, 3) is x
    assert rechunk(x, ((3, 3, 3, 1),)) is x
    s = from_array(np.float64(2.5), chunks=())
    assert rechunk(s, ()) is s


def test_zero_length_axes() -> None:
    arr = np.zeros((0, 6), dtype="int32")
    x = from_array(arr, chunks=(1, 2))
    y = rechunk(x, (5, 4))
    assert y.chunks == ((0,), (4, 2))
    out = y.compute()
    assert out.shape == (0, 6) and out.dtype == np.int32


def test_whole_block_is_an_alias_and_pieces_are_copies() -> None:
    x = computed(np.arange(16).reshape(4, 4), (2, 4))
    y = rechunk(x, ((2, 2), (1, 3)))
    (layer,) = rechunk_layers(y)
    assert isinstance(layer.task((y.name, 0, 0)), Alias) is False
    z = rechunk(x, ((2, 1, 1), (4,)))
    (layer,) = rechunk_layers(z)
    assert isinstance(layer.task((z.name, 0, 0)), Alias)
    # A piece does not keep its whole source block alive.
    piece = layer.task((z.name, 1, 0)).execute({(x.name, 1, 0): np.arange(8).reshape(2, 4)})
    assert piece.base is None


# -- planning --------------------------------------------------------------------------------


@st.composite
def plan_case(draw: Any, max_size: int = 40) -> tuple[Any, Any, int, int]:
    shape = tuple(draw(st.lists(st.integers(0, max_size), min_size=1, max_size=4)))
    old = tuple(draw(axis_chunks(n, 8)) for n in shape)
    new = tuple(draw(axis_chunks(n, 8)) for n in shape)
    itemsize = draw(st.sampled_from([1, 4, 8]))
    limit = draw(st.integers(0, 4 * itemsize * max(largest_block(old), largest_block(new), 1)))
    return old, new, itemsize, limit


@given(plan_case())
@settings(max_examples=150, deadline=None)
def test_plan_keeps_every_stage_within_budget(case: Any) -> None:
    old, new, itemsize, limit = case
    stages = plan_rechunk(old, new, itemsize, limit)
    if old == new:
        assert stages == []
        return
    assert stages[-1] == new
    assert len(stages) <= 2
    budget = max(limit, itemsize * max(largest_block(old), largest_block(new)))
    previous = old
    for stage in stages:
        assert tuple(sum(c) for c in stage) == tuple(sum(c) for c in old)
        assert stage_cost(previous, stage, itemsize) <= budget
        previous = stage
    if stage_cost(old, new, itemsize) <= budget:
        assert stages == [new]


@given(plan_case(max_size=12))
@settings(max_examples=60, deadline=None)
def test_stage_cost_is_the_largest_task_input(case: Any) -> None:
    old, new, itemsize, _ = case
    layer = RechunkLayer("y", "x", old, new)
    largest = max(task_input_elements(layer, key) for key in layer.keys())
    assert stage_cost(old, new, itemsize) == itemsize * largest


def test_transposed_chunks_go_through_small_pieces() -> None:
    # 20000 x 20000 float64 in (1000, 20000) blocks of 160 MB, wanted in (20000, 1000).
    old = ((1000,) * 20, (20000,))
    new = ((20000,), (1000,) * 20)
    block = 8 * 1000 * 20000
    assert stage_cost(old, new, 8) == 20 * block
    stages = plan_rechunk(old, new, 8, 4 * block)
    assert stages == [((1000,) * 20, (1000,) * 20), new]
    assert stage_cost(old, stages[0], 8) == block
    assert stage_cost(stages[0], new, 8) == block
    assert plan_rechunk(old, new, 8, 20 * block) == [new]


def test_misaligned_chunks_use_the_refinement() -> None:
    old = ((3,) * 4,) * 3
    new = ((2,) * 6,) * 3
    # Directly each output block reads 6 x 6 x 6 elements, 8 times an input block.
    assert stage_cost(old, new, 1) == 216
    (mid, last) = plan_rechunk(old, new, 1, 27)
    assert last == new
    assert stage_cost(old, mid, 1) <= 27 and stage_cost(mid, new, 1) <= 27


def test_axis_span() -> None:
    assert axis_span((5, 5), (10,)) == 10
    assert axis_span((10,), (5, 5)) == 10
    assert axis_span((4, 4, 4), (6, 6)) == 8
    assert axis_span((0,), (0,)) == 0


def test_multistage_rechunk_values() -> None:
    arr = np.arange(20 * 30).reshape(20, 30)
    x = computed(arr, (2, 30))
    y = rechunk(x, (20, 3))
    assert len(rechunk_layers(y)) == 2
    assert y.chunks == ((20,), (3,) * 10)
    np.testing.assert_array_equal(y.compute(), arr)
    z = rechunk(x, (20, 3), threshold=10)
    assert len(rechunk_layers(z)) == 1
    np.testing.assert_array_equal(z.compute(), arr)


# -- laziness --------------------------------------------------------------------------------


class CountingSource:
    """A huge array-like that makes blocks on demand and counts reads."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape
        self.dtype = np.dtype("float64")
        self.reads = 0

    def __getitem__(self, index: tuple[slice, ...]) -> np.ndarray:
        self.reads += 1
        return np.ones(tuple(s.stop - s.start for s in index))


def test_rechunk_of_a_huge_array_is_cheap_and_reads_only_overlaps() -> None:
    source = CountingSource((10**6, 10**6))
    x = from_array(source, chunks=(1000, 1000)).map_blocks(_identity, dtype=float)
    start = time.perf_counter()
    y = rechunk(x, (1500, 700))
    assert time.perf_counter() - start < 1.0
    key = (y.name, 1, 2)
    tasks = cull(y.graph, [key])
    # Output rows [1500, 3000) and columns [1400, 2100) overlap 2 x 2 input blocks,
    # each one read task and one map_blocks task.
    assert len(tasks) == 1 + 4 + 4
    out = run(tasks, [key], order(tasks, [key]))
    assert out[key].shape == (1500, 700)
    assert source.reads == 4


def test_rechunk_of_a_plain_read_reads_the_new_regions_from_the_source() -> None:
    source = CountingSource((10**6, 10**6))
    y = rechunk(from_array(source, chunks=(1000, 1000)), (1500, 700))
    key = (y.name, 1, 2)
    tasks = cull(y.graph, [key])
    assert len(tasks) == 1
    out = run(tasks, [key], order(tasks, [key]))
    assert out[key].shape == (1500, 700)
    assert source.reads == 1
    arr = np.arange(20 * 30).reshape(20, 30)
    z = rechunk(from_array(arr, chunks=(2, 30)), (20, 3))
    assert z.chunks == ((20,), (3,) * 10)
    np.testing.assert_array_equal(z.compute(), arr)


# -- errors ----------------------------------------------------------------------------------


def test_errors() -> None:
    x = from_array(np.arange(12).reshape(3, 4), chunks=2)
    with pytest.raises(ValueError, match="axis 1"):
        rechunk(x, ((3,), (2, 3)))
    with pytest.raises(ValueError, match="axis 0"):
        rechunk(x, (0, 2))
    with pytest.raises(ValueError, match="dimensions"):
        rechunk(x, (1, 1, 1))
    with pytest.raises(TypeError, match="rechunk"):
        rechunk(np.arange(3), 2)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="threshold"):
        rechunk(x, 3, threshold=0)
